import { NsqTransportError } from '../errors/nsq-transport.error.js';

/** {@link TestNsqd.start} could not start nsqd: not installed, exited early, or never answered `/ping`. */
export class TestNsqdStartError extends NsqTransportError {
  constructor(
    message: string,
    /** nsqd's last output lines, when it ran at all. */
    readonly output: string,
  ) {
    super(output ? `${message}\n--- nsqd output ---\n${output}` : message);
  }
}
