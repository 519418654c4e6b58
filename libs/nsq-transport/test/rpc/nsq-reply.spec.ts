import { nsqReplyHeaders, readNsqReply } from '../../src/rpc/nsq-reply.js';

describe('nsq-reply', () => {
  it('reads what it writes', () => {
    expect(readNsqReply(nsqReplyHeaders('7', 'next', 3, 2))).toEqual({ correlationId: '7', status: 'next', seq: 3, attempt: '2' });
  });

  it('defaults seq to 0 and attempt to 1 (a one-message responder sends only id and status)', () => {
    expect(readNsqReply({ 'nsq-correlation-id': 'a', 'nsq-reply-status': 'complete' })).toEqual({ correlationId: 'a', status: 'complete', seq: 0, attempt: '1' });
  });

  it.each([
    ['no correlation id', { 'nsq-reply-status': 'complete' }],
    ['no status', { 'nsq-correlation-id': 'a' }],
    ['an unknown status', { 'nsq-correlation-id': 'a', 'nsq-reply-status': 'done' }],
    ['a negative seq', { 'nsq-correlation-id': 'a', 'nsq-reply-status': 'next', 'nsq-reply-seq': '-1' }],
    ['a seq with leading zeros', { 'nsq-correlation-id': 'a', 'nsq-reply-status': 'next', 'nsq-reply-seq': '01' }],
  ])('is not a reply with %s', (_why, headers) => {
    expect(readNsqReply(headers)).toBeUndefined();
  });
});
