/** Where a scenario drives the system: the running agent, saver and nsqd. */
export interface ScenarioEnv {
  readonly agentUrl: string;
  readonly saverUrl: string;
  /** nsqd's HTTP address (`http://host:port` or `host:port`). */
  readonly nsqdHttp: string;
  /** The agent's ORDER_PAYMENT_TIMEOUT_MS. */
  readonly paymentTimeoutMs: number;
  /** The agent's FLASH_SALE_MAX_BACKLOG. */
  readonly flashSaleMaxBacklog: number;
}

/** What a scenario tells its audience: a line, and how a wait is going (the demo prints both; the e2e suite nothing). */
export interface ScenarioLog {
  info(line: string): void;
  /** Called about once a second while a wait lasts, with what is awaited and how long it has taken. */
  waiting(what: string, elapsedMs: number): void;
}

/** One thing the example system does, proved the same way by the demo and the e2e suite. */
export interface Scenario {
  readonly title: string;
  /** Throws a ScenarioFailure when the system does not do it; resolves with a one-line result. */
  run(env: ScenarioEnv, log: ScenarioLog): Promise<string>;
}

/** A log that says nothing (the e2e suite's). */
export const SILENT_LOG: ScenarioLog = { info: () => undefined, waiting: () => undefined };
