import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

const KEY = /^[\x21-\x7e]{1,200}$/;

/** The optional `Idempotency-Key` header: 1–200 printable ASCII characters, or absent. */
@Injectable()
export class IdempotencyKeyPipe implements PipeTransform<unknown, string | undefined> {
  transform(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !KEY.test(value)) throw new BadRequestException(['Idempotency-Key must be 1 to 200 printable ASCII characters']);
    return value;
  }
}
