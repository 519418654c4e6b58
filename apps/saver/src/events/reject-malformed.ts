import type { Logger } from '@nestjs/common';
import type { NsqContext } from 'nestjs-transport-nsq';

/**
 * A payload no retry can fix: reject it, so the transport copies it to the
 * dead-letter topic at once instead of retrying (nothing is dropped), and say
 * so without logging the body.
 */
export function rejectMalformed(logger: Logger, ctx: NsqContext): void {
  logger.warn(`Rejecting malformed message ${ctx.getMessageId()} on ${ctx.getTopic()}/${ctx.getChannel()} (${ctx.getBody().length} bytes)`);
  ctx.reject('malformed payload');
}
