import { MedfedError } from '#common/errors/medfed-error.js';

export interface GraphQLResult {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly { message: string; extensions?: { code?: string } }[];
}

/** Request headers passed on to the gateway, so the caller's own credentials and scopes apply. */
const FORWARDED = ['authorization', 'x-api-key'] as const;

/**
 * Runs queries through the federated gateway on behalf of the caller. A gateway that cannot be
 * reached is GATEWAY_UNAVAILABLE (502); a refused credential keeps its 401/403; a result with
 * errors and no data is INVALID_QUERY, with the gateway's messages and codes.
 */
export function createGatewayClient(options: { url: string; timeoutMs: number }) {
  return {
    async query(
      query: string,
      variables: Record<string, unknown> | undefined,
      headers: Readonly<Record<string, string | string[] | undefined>>,
    ): Promise<GraphQLResult & { data: Record<string, unknown> }> {
      const forwarded: Record<string, string> = {};
      for (const name of FORWARDED) {
        const value = headers[name];
        if (typeof value === 'string') forwarded[name] = value;
      }
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...forwarded },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw new MedfedError(
          'GATEWAY_UNAVAILABLE',
          `the GraphQL gateway could not be reached (${(error as Error).message})`,
        );
      }
      const body = (await response.json().catch(() => undefined)) as GraphQLResult | undefined;
      const errors = body?.errors ?? [];
      const summary = errors
        .map((e) => `${e.message}${e.extensions?.code ? ` (${e.extensions.code})` : ''}`)
        .join('; ');
      if (response.status === 401 || response.status === 403) {
        throw new MedfedError(
          response.status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN',
          `the gateway refused the credentials: ${summary || response.statusText}`,
        );
      }
      if (!body || response.status >= 500) {
        throw new MedfedError(
          'GATEWAY_UNAVAILABLE',
          `the gateway answered HTTP ${response.status}${summary ? `: ${summary}` : ''}`,
        );
      }
      if (!body.data) {
        throw new MedfedError('INVALID_QUERY', `the gateway refused the query: ${summary}`, {
          graphqlErrors: errors,
        });
      }
      return { data: body.data, ...(errors.length ? { errors } : {}) };
    },
  };
}

export type GatewayClient = ReturnType<typeof createGatewayClient>;
