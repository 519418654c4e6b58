/** nsqd's /stats could not be read: the backlog is unknown. */
export class BacklogUnknownError extends Error {
  override readonly name = 'BacklogUnknownError';
}
