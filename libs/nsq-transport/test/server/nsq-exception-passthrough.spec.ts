import { BadRequestException, type ArgumentsHost } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { BaseRpcExceptionFilter, NatsContext, RpcException } from '@nestjs/microservices';
import { RpcExceptionsHandler } from '@nestjs/microservices/exceptions/rpc-exceptions-handler.js';
import { lastValueFrom, of, type Observable } from 'rxjs';
import { NsqContext } from '../../src/ctx-host/nsq.context.js';
import { NsqDelivery } from '../../src/nsq/nsq-delivery.js';
import { passNsqHandlerErrorsThrough } from '../../src/server/nsq-exception-passthrough.js';
import { nsqjsMessage } from '../support/nsqjs-message.js';

/** The host Nest's RpcProxy builds around a failed handler call: its arguments, (data, context). */
function hostFor(context: unknown): ArgumentsHost {
  const host = new ExecutionContextHost([{ some: 'payload' }, context]);
  host.setType('rpc');
  return host;
}

const nsqContext = () => new NsqContext([new NsqDelivery(nsqjsMessage(), 'orders', 'billing')]);
const thrown = (result: Observable<unknown>) => lastValueFrom(result).then(
  () => undefined,
  (error: unknown) => error,
);

describe('passNsqHandlerErrorsThrough', () => {
  beforeAll(() => passNsqHandlerErrorsThrough());

  it('is idempotent', () => {
    const installed = BaseRpcExceptionFilter.prototype.catch;
    passNsqHandlerErrorsThrough();
    expect(BaseRpcExceptionFilter.prototype.catch).toBe(installed);
  });

  it("lets an NSQ handler's exception reach the transport as it was thrown, through a handler's default exceptions handler", async () => {
    const error = new BadRequestException(['amount must be an integer number']);
    // RpcExceptionsHandler is what Nest wraps every handler with; with no custom filter it falls back to BaseRpcExceptionFilter.catch.
    expect(await thrown(new RpcExceptionsHandler().handle(error, hostFor(nsqContext())))).toBe(error);
    const rpc = new RpcException('as is');
    expect(await thrown(new RpcExceptionsHandler().handle(rpc, hostFor(nsqContext())))).toBe(rpc);
  });

  it("leaves every other transport's errors to Nest: unknown errors become Nest's generic one", async () => {
    const error = new BadRequestException('nope');
    expect(await thrown(new RpcExceptionsHandler().handle(error, hostFor(new NatsContext(['subject', undefined]))))).toEqual({ status: 'error', message: 'Internal server error' });
    expect(await thrown(new BaseRpcExceptionFilter().catch(new RpcException({ code: 7 }), hostFor(undefined)) as Observable<unknown>)).toEqual({ code: 7 });
  });

  it("leaves an application's own exception filter in charge", async () => {
    const handler = new RpcExceptionsHandler();
    handler.setCustomFilters([{ exceptionMetatypes: [BadRequestException], func: () => of('handled') }]);
    expect(await lastValueFrom(handler.handle(new BadRequestException('x'), hostFor(nsqContext())))).toBe('handled');
  });
});
