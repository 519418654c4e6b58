import type { Logger } from '@nestjs/common';
import type { NsqContext } from 'nestjs-transport-nsq';

/** A payload no retry can fix: finish it so it is not redelivered, and say so without logging the body. */
export function dropMalformed(logger: Logger, ctx: NsqContext): void {
  logger.warn(`Dropping malformed message ${ctx.getMessageId()} on ${ctx.getTopic()}/${ctx.getChannel()} (${ctx.getBody().length} bytes)`);
  ctx.finish();
}
