/**
 * Which cells of the connection fault matrix run: every combination of wire
 * compression, TLS and nsqd fault with `FAULT_MATRIX=full`, a slice in CI.
 * Each combination is one fault injection that hits a producer and a consumer,
 * each busy and idle, at once.
 */
import { type Compression, COMPRESSIONS } from '../../support/wire-cases.js';

/** The three ways an nsqd goes away: crash, clean stop and restart, freeze. */
export const NSQD_FAULTS = ['sigkill', 'sigterm', 'sigstop'] as const;
export type NsqdFault = (typeof NSQD_FAULTS)[number];

export interface MatrixCombo {
  readonly compression: Compression;
  readonly tls: boolean;
  readonly fault: NsqdFault;
}

export const FAULT_LABELS: Readonly<Record<NsqdFault, string>> = {
  sigkill: 'nsqd SIGKILL + restart',
  sigterm: 'nsqd SIGTERM + restart',
  sigstop: 'nsqd SIGSTOP + SIGCONT',
};

/** `deflate + TLS, nsqd SIGKILL + restart` */
export function comboLabel(combo: MatrixCombo): string {
  return `${combo.compression}${combo.tls ? ' + TLS' : ''}, ${FAULT_LABELS[combo.fault]}`;
}

/** `deflate.tls.sigkill`: a valid piece of an NSQ topic name. */
export function comboTag(combo: MatrixCombo): string {
  return `${combo.compression}.${combo.tls ? 'tls' : 'plain'}.${combo.fault}`;
}

/**
 * The CI slice: each compression and each TLS setting meets each fault at
 * least once — deflate over TLS (the case that crashed), snappy in plain
 * text, and no compression in plain text as the control.
 */
const CI_SLICE: readonly MatrixCombo[] = NSQD_FAULTS.flatMap((fault) => [
  { compression: 'deflate', tls: true, fault },
  { compression: 'snappy', tls: false, fault },
  { compression: 'none', tls: false, fault },
]);

const FULL: readonly MatrixCombo[] = COMPRESSIONS.flatMap((compression) =>
  [false, true].flatMap((tls) => NSQD_FAULTS.map((fault) => ({ compression, tls, fault }))),
);

/** `FAULT_MATRIX`: unset or `ci` for the slice, `full` for all 18 combinations. */
export function matrixPlan(mode: string | undefined = process.env.FAULT_MATRIX): readonly MatrixCombo[] {
  if (mode === undefined || mode === '' || mode === 'ci') return CI_SLICE;
  if (mode === 'full') return FULL;
  throw new Error(`FAULT_MATRIX must be "ci" (or unset) or "full", not "${mode}"`);
}
