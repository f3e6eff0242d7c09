import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { ErrorCode } from '#common/errors/error-codes.js';

export interface QueryLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  readonly maxBodyBytes: number;
}

/**
 * Validation rules against abusive queries (depth, aliases), from graphql-armor, with each
 * rejection tagged by a specific code. Apollo reports every validation failure as
 * GRAPHQL_VALIDATION_FAILED; `limitCodeOf` recovers the specific code for formatError.
 */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  return [
    maxDepthRule({
      n: limits.maxDepth,
      ignoreIntrospection: true,
      flattenFragments: true,
      ...reportAs('QUERY_TOO_DEEP'),
    }),
    maxAliasesRule({ n: limits.maxAliases, ...reportAs('TOO_MANY_ALIASES') }),
  ];
}

/** Report the rejection as a validation error with our code, instead of throwing (a 500). */
function reportAs(code: ErrorCode) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(
          new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
            nodes: error.nodes,
            extensions: { code },
          }),
        ),
    ],
  };
}

const TOKEN_LIMIT = /^Syntax Error: Document contains more th(?:at|an) \d+ tokens/;

/**
 * The specific limit code behind an Apollo parse/validation error, if it is one of ours. Checked by
 * shape, not instanceof: Apollo and the gateway may load a different copy of graphql-js.
 */
export function limitCodeOf(error: unknown): ErrorCode | undefined {
  const e = error as { message?: unknown; originalError?: { extensions?: { code?: unknown } } };
  const code = e?.originalError?.extensions?.code;
  if (code === 'QUERY_TOO_DEEP' || code === 'TOO_MANY_ALIASES') return code;
  if (typeof e?.message === 'string' && TOKEN_LIMIT.test(e.message)) return 'TOO_MANY_TOKENS';
  return undefined;
}
