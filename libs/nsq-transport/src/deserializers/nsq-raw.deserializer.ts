import type { NsqDeserializer } from '../interfaces/nsq-codec.interface.js';

/** Hands the body to handlers as the Buffer nsqd sent. */
export class NsqRawDeserializer implements NsqDeserializer {
  deserialize(body: Buffer): Buffer {
    return body;
  }
}
