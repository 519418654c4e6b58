import { Injectable } from '@nestjs/common';

/** Counts redelivered events whose row was already written (since this process started), for `GET /stats`. */
@Injectable()
export class WriteTally {
  private duplicates = 0;

  /** `true` when the write stored something; a redelivery (0 rows) is counted. */
  written(rows: bigint | number | undefined): boolean {
    const stored = Number(rows ?? 0) > 0;
    if (!stored) this.duplicates++;
    return stored;
  }

  get duplicatesIgnored(): number {
    return this.duplicates;
  }
}
