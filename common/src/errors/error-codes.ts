/**
 * Every error code medfed returns, with the HTTP status it maps to. GraphQL errors carry the code in
 * `extensions.code`; REST errors (RFC 9457) carry it in `code` beside `status`.
 */
export const ERROR_CODES = {
  BAD_USER_INPUT: { status: 400, title: 'Bad input' },
  BAD_REQUEST: { status: 400, title: 'Bad request' },
  UNAUTHENTICATED: { status: 401, title: 'Unauthenticated' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  COMPOSITION_FAILED: { status: 422, title: 'Composition failed' },
  BREAKING_CHANGE: { status: 409, title: 'Breaking change' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  REGISTRY_UNAVAILABLE: { status: 503, title: 'Registry unavailable' },
  QUERY_TOO_LARGE: { status: 413, title: 'Query too large' },
  QUERY_TOO_DEEP: { status: 400, title: 'Query too deep' },
  TOO_MANY_ALIASES: { status: 400, title: 'Too many aliases' },
  TOO_MANY_TOKENS: { status: 400, title: 'Query too complex' },
  SUBGRAPH_UNAVAILABLE: { status: 502, title: 'Subgraph unavailable' },
  SUBGRAPH_REQUEST_FAILED: { status: 502, title: 'Subgraph request failed' },
  SCHEMA_NOT_LOADED: { status: 503, title: 'Schema not loaded yet' },
  UNKNOWN_PIPELINE: { status: 422, title: 'Unknown pipeline' },
  UNKNOWN_INPUT_TAG: { status: 422, title: 'Unknown pipeline input' },
  INVALID_QUERY: { status: 422, title: 'Invalid query' },
  NO_MODEL: { status: 422, title: 'No model in the query result' },
  NO_IMAGES: { status: 422, title: 'No images in the query result' },
  AMBIGUOUS_MODEL: { status: 422, title: 'More than one model in the query result' },
  MODEL_UNVERIFIABLE: { status: 422, title: 'Model cannot be verified' },
  URL_NOT_ALLOWED: { status: 422, title: 'URL outside the fetch allow-list' },
  GATEWAY_UNAVAILABLE: { status: 502, title: 'Gateway unavailable' },
  INTERNAL_SERVER_ERROR: { status: 500, title: 'Internal server error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}
