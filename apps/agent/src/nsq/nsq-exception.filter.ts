import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { NsqPublishError, NsqTransportError, NsqUnavailableError, NsqUnconfirmedError } from 'nestjs-transport-nsq';

/**
 * Turns transport failures into HTTP answers: nothing written (NSQ
 * unreachable), written without an answer (may be stored: the saver is
 * idempotent), or refused by nsqd is a 503 the caller may retry; anything
 * else from the transport is our bug (500).
 */
@Catch(NsqTransportError)
export class NsqExceptionFilter implements ExceptionFilter<NsqTransportError> {
  private readonly logger = new Logger(NsqExceptionFilter.name);

  catch(error: NsqTransportError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof NsqUnavailableError || error instanceof NsqUnconfirmedError || error instanceof NsqPublishError) {
      this.logger.warn(`NSQ not available: ${error.name}: ${error.message}`);
      response.setHeader('Retry-After', '1');
      response.status(HttpStatus.SERVICE_UNAVAILABLE).json({ statusCode: 503, error: 'Service Unavailable', message: 'NSQ is not available, try again later' });
      return;
    }
    this.logger.error(`NSQ transport error: ${error.name}: ${error.message}`);
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ statusCode: 500, error: 'Internal Server Error', message: error.name });
  }
}
