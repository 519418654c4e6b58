// The package's public surface, entry by entry: what users may import. An export added here is a
// public API decision (document it, keep it); internals (option resolvers, defaults tables, nsqjs
// collaborators) must not appear.

describe('public API', () => {
  it('nestjs-transport-nsq', async () => {
    expect(Object.keys(await import('../src/index.js')).sort()).toEqual([
      'ClientNsq',
      'InvalidNsqHeaderError',
      'InvalidNsqMessageError',
      'InvalidNsqNameError',
      'InvalidNsqOptionError',
      'NSQD_LIMITS',
      'NSQ_ENVELOPE_VERSION',
      'NSQ_HEADER',
      'NSQ_HEADER_LIMITS',
      'NSQ_METRIC',
      'NSQ_SPAN_ATTRIBUTE',
      'NSQ_SPAN_EVENT',
      'NSQ_TRANSPORT',
      'NsqClientModule',
      'NsqContext',
      'NsqDecodeError',
      'NsqEventPattern',
      'NsqEventType',
      'NsqHandlerConfigError',
      'NsqJsonBigIntDeserializer',
      'NsqJsonBigIntSerializer',
      'NsqJsonDeserializer',
      'NsqJsonSerializer',
      'NsqMessagePattern',
      'NsqPoisonMessageError',
      'NsqProtocolError',
      'NsqPublishError',
      'NsqRawDeserializer',
      'NsqRawSerializer',
      'NsqRecord',
      'NsqRecordBuilder',
      'NsqRequestAbortedError',
      'NsqRequestTimeoutError',
      'NsqSecurityError',
      'NsqServerModule',
      'NsqStatus',
      'NsqTextDeserializer',
      'NsqTextSerializer',
      'NsqTimeoutError',
      'NsqTransportError',
      'NsqUnavailableError',
      'NsqUnconfirmedError',
      'NsqUnsupportedError',
      'ServerNsq',
      'UnknownNsqOptionError',
      'encodeNsqEnvelope',
      'isNsqEnvelope',
      'isValidNsqHeaderName',
      'isValidNsqName',
      'openNsqBody',
    ]);
  });

  it('nestjs-transport-nsq/health', async () => {
    expect(Object.keys(await import('../src/health/index.js')).sort()).toEqual(['NsqHealthIndicator']);
  });

  it('nestjs-transport-nsq/testing', async () => {
    expect(Object.keys(await import('../src/testing/index.js')).sort()).toEqual(['NsqTestContext', 'TestNsqd', 'TestNsqdStartError']);
  });
});
