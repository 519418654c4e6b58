import { NsqJsonDeserializer } from '../deserializers/nsq-json.deserializer.js';
import { NsqRawDeserializer } from '../deserializers/nsq-raw.deserializer.js';
import { NsqTextDeserializer } from '../deserializers/nsq-text.deserializer.js';
import type { NsqCodecName, NsqDeserializer, NsqSerializer } from '../interfaces/nsq-codec.interface.js';
import { NsqJsonSerializer } from '../serializers/nsq-json.serializer.js';
import { NsqRawSerializer } from '../serializers/nsq-raw.serializer.js';
import { NsqTextSerializer } from '../serializers/nsq-text.serializer.js';

/** The serializer of a built-in codec. */
export function serializerFor(codec: NsqCodecName): NsqSerializer {
  switch (codec) {
    case 'json':
      return new NsqJsonSerializer();
    case 'text':
      return new NsqTextSerializer();
    case 'raw':
      return new NsqRawSerializer();
  }
}

/** The deserializer of a built-in codec. */
export function deserializerFor(codec: NsqCodecName): NsqDeserializer {
  switch (codec) {
    case 'json':
      return new NsqJsonDeserializer();
    case 'text':
      return new NsqTextDeserializer();
    case 'raw':
      return new NsqRawDeserializer();
  }
}
