import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from '../logging/create-logger.js';
import { ERROR_CODES } from '../errors/error-codes.js';
import { MedfedError } from '../errors/medfed-error.js';

const SAFE_CODES = new Set<string>([
  ...Object.keys(ERROR_CODES),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Apollo `formatError`: errors with a known code pass through; anything else is an unexpected
 * failure, logged in full (without variables, which may hold patient data) and masked.
 */
export function createErrorMasker(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = findMedfedError(error);
    if (original) {
      return {
        message: original.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        extensions: { ...original.details, code: original.code },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && SAFE_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR') {
      const extensions = { ...formatted.extensions };
      delete extensions['stacktrace'];
      return { ...formatted, extensions };
    }
    log.error(
      { err: unwrapResolverError(error), path: formatted.path },
      'unexpected error in resolver',
    );
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

function findMedfedError(error: unknown): MedfedError | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof MedfedError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}
