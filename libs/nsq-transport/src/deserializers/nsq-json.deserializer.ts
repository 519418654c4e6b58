import secureJsonParse from 'secure-json-parse';
import type { NsqDeserializer } from '../interfaces/nsq-codec.interface.js';
import { decodeUtf8 } from './utf8.js';

/**
 * Decodes a UTF-8 JSON body. Bodies come from any producer, so keys that
 * could pollute prototypes once merged (`__proto__`, `constructor.prototype`)
 * make the body poison instead of being parsed.
 */
export class NsqJsonDeserializer implements NsqDeserializer {
  deserialize(body: Buffer): unknown {
    return secureJsonParse.parse(decodeUtf8(body), null, { protoAction: 'error', constructorAction: 'error' });
  }
}
