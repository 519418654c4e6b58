import { NsqJsonBigIntDeserializer } from '../deserializers/nsq-json-bigint.deserializer.js';
import { NsqJsonDeserializer } from '../deserializers/nsq-json.deserializer.js';
import { NsqRawDeserializer } from '../deserializers/nsq-raw.deserializer.js';
import { NsqTextDeserializer } from '../deserializers/nsq-text.deserializer.js';
import type { NsqCodecName, NsqDeserializer, NsqSerializer } from '../interfaces/nsq-codec.interface.js';
import { NsqJsonBigIntSerializer } from '../serializers/nsq-json-bigint.serializer.js';
import { NsqJsonSerializer } from '../serializers/nsq-json.serializer.js';
import { NsqRawSerializer } from '../serializers/nsq-raw.serializer.js';
import { NsqTextSerializer } from '../serializers/nsq-text.serializer.js';

interface NsqCodec {
  serializer(): NsqSerializer;
  deserializer(): NsqDeserializer;
}

/** The built-in codecs, one entry per `codec` option value (the Record keeps it exhaustive). */
const CODECS: Readonly<Record<NsqCodecName, NsqCodec>> = {
  json: { serializer: () => new NsqJsonSerializer(), deserializer: () => new NsqJsonDeserializer() },
  'json-bigint': { serializer: () => new NsqJsonBigIntSerializer(), deserializer: () => new NsqJsonBigIntDeserializer() },
  text: { serializer: () => new NsqTextSerializer(), deserializer: () => new NsqTextDeserializer() },
  raw: { serializer: () => new NsqRawSerializer(), deserializer: () => new NsqRawDeserializer() },
};

/** The values the `codec` option accepts. */
export const NSQ_CODEC_NAMES = Object.freeze(Object.keys(CODECS) as NsqCodecName[]);

/** The serializer of a built-in codec. */
export function serializerFor(codec: NsqCodecName): NsqSerializer {
  return CODECS[codec].serializer();
}

/** The deserializer of a built-in codec. */
export function deserializerFor(codec: NsqCodecName): NsqDeserializer {
  return CODECS[codec].deserializer();
}
