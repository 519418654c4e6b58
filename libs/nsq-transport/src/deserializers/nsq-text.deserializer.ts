import type { NsqDeserializer } from '../interfaces/nsq-codec.interface.js';
import { decodeUtf8 } from './utf8.js';

/** Hands the body to handlers as a string; invalid UTF-8 is poison. */
export class NsqTextDeserializer implements NsqDeserializer {
  deserialize(body: Buffer): string {
    return decodeUtf8(body);
  }
}
