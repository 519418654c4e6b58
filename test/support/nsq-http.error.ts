/** Thrown when an nsqd/nsqlookupd HTTP endpoint answers with a non-2xx status. */
export class NsqHttpError extends Error {
  override readonly name = 'NsqHttpError';

  constructor(
    /** Method and URL that were called, e.g. `POST http://127.0.0.1:4151/pub?topic=t`. */
    readonly request: string,
    readonly status: number,
    /** Response body; NSQ puts its error code here, e.g. `{"message":"TOPIC_NOT_FOUND"}`. */
    readonly body: string,
  ) {
    super(`${request} answered ${status}: ${body}`);
  }
}
