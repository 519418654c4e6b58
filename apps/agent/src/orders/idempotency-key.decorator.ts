import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** The raw `Idempotency-Key` request header; pair it with {@link IdempotencyKeyPipe}. */
export const IdempotencyKey = createParamDecorator((_data: unknown, ctx: ExecutionContext): unknown => ctx.switchToHttp().getRequest<Request>().headers['idempotency-key']);
