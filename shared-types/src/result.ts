import type { ErrorCode } from './error-codes.js';

/** Why a value was refused: a stable code for programs and a sentence for people. */
export interface Rejection {
  code: ErrorCode;
  reason: string;
}

/** The outcome of a validation: validation never throws. */
export type Result<T, E = Rejection> = { ok: true; value: T } | { ok: false; error: E };

/** Builds a successful result. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Builds a failed result with a stable code and a reason a person can act on. */
export function reject(code: ErrorCode, reason: string): { ok: false; error: Rejection } {
  return { ok: false, error: { code, reason } };
}
