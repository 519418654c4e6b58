import type { ArgumentsHost } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { type Observable, throwError } from 'rxjs';
import { NsqContext } from '../ctx-host/nsq.context.js';
import { NSQ_HEADER } from '../wire/nsq-headers.js';

type Catch = (this: BaseRpcExceptionFilter, exception: unknown, host: ArgumentsHost) => Observable<unknown>;

const INSTALLED = Symbol.for('nestjs-transport-nsq.exception-passthrough');

/**
 * Lets the exception a handler, pipe, guard or interceptor threw reach the
 * NSQ server unchanged when no exception filter of the application handled it.
 *
 * Nest's default RPC filter (BaseRpcExceptionFilter, which every handler's
 * exceptions handler falls back to) turns anything that is not an
 * RpcException into `{ status: 'error', message: 'Internal server error' }`:
 * a ValidationPipe's BadRequestException, with its field errors, or an
 * NsqPoisonMessageError would reach the transport as that, and a payload no
 * retry can fix would be retried until max attempts. For NSQ deliveries only
 * (the handler's context is an NsqContext), the default filter passes the
 * exception through; the server logs it once and settles on it (poison is
 * dead-lettered at once). Every other transport, and every filter an
 * application registers, is left as it is. Requests (`@MessagePattern`
 * deliveries, which carry `nsq-reply-to`) keep Nest's shaping: their error is
 * an answer to the caller, as on every transport. Installed once per process.
 */
export function passNsqHandlerErrorsThrough(): void {
  const prototype = BaseRpcExceptionFilter.prototype as unknown as { catch: Catch; [INSTALLED]?: true };
  if (prototype[INSTALLED]) return;
  const nestCatch = prototype.catch;
  prototype.catch = function (this: BaseRpcExceptionFilter, exception: unknown, host: ArgumentsHost): Observable<unknown> {
    if (isNsqEventDelivery(host)) return throwError(() => exception);
    return nestCatch.call(this, exception, host);
  };
  prototype[INSTALLED] = true;
}

function isNsqEventDelivery(host: ArgumentsHost | undefined): boolean {
  if (typeof host?.getArgByIndex !== 'function') return false;
  const context: unknown = host.getArgByIndex(1);
  return context instanceof NsqContext && context.getHeaders()[NSQ_HEADER.replyTo] === undefined;
}
