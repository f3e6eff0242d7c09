import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * An expected failure with a stable code; safe to show to the caller as is. Thrown from resolvers,
 * it reaches GraphQL clients as `extensions.code` (see mask-error.ts), and REST clients as RFC 9457.
 */
export class MedfedError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'MedfedError';
    this.status = ERROR_CODES[code].status;
  }
}
