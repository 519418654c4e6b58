import { type ArgumentsHost, BadRequestException, Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import type { NsqContext } from 'nestjs-transport-nsq';
import { EMPTY, type Observable } from 'rxjs';

/**
 * A payload the ValidationPipe refused is poison: no retry can fix it. Rejects
 * the message, so the transport copies it to the dead-letter topic at once
 * instead of retrying it SAVER_MAX_ATTEMPTS times; says why without the body.
 *
 * Bound on the event controllers only (`@UseFilters`), never globally: a
 * global filter would also catch the HTTP side's 400s. (The consumer rewrite
 * under way in the transport dead-letters ValidationPipe failures by itself;
 * this filter goes once it lands.)
 */
@Catch(BadRequestException)
export class InvalidEventFilter implements RpcExceptionFilter<BadRequestException> {
  private readonly logger = new Logger(InvalidEventFilter.name);

  catch(exception: BadRequestException, host: ArgumentsHost): Observable<never> {
    const ctx = host.switchToRpc().getContext<NsqContext>();
    const response = exception.getResponse();
    const problems = typeof response === 'object' && response !== null && 'message' in response ? response.message : exception.message;
    const reason = `invalid payload: ${Array.isArray(problems) ? problems.join('; ') : String(problems)}`;
    this.logger.warn(`Rejecting message ${ctx.getMessageId()} on ${ctx.getTopic()}/${ctx.getChannel()} (${ctx.getBody().length} bytes): ${reason}`);
    ctx.reject(reason);
    return EMPTY;
  }
}
