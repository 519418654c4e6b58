/** The system did not do what a scenario expects. */
export class ScenarioFailure extends Error {
  override readonly name = 'ScenarioFailure';
}
