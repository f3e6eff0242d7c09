import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { IDENTITY_HEADER, type Identity } from '#common/auth/identity-token.js';
import { MedfedError } from '#common/errors/medfed-error.js';

/** The gateway's own calls (schema introspection) carry no caller and no scopes. */
const GATEWAY_IDENTITY: Identity = { subject: 'medfed-gateway', scopes: [] };
import type { Logger } from '#common/logging/create-logger.js';

/**
 * How the gateway calls one subgraph: Node's fetch (pooled keep-alive connections), a per-request
 * timeout, and failures turned into errors that name the subgraph without leaking its URL or body:
 * SUBGRAPH_UNAVAILABLE (network error, timeout, 5xx) or SUBGRAPH_REQUEST_FAILED (other statuses).
 * The rest of the query plan goes on, so the client gets every field the other subgraphs answered.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource {
  constructor(
    private readonly subgraph: {
      name: string;
      url: string;
      timeoutMs: number;
      log: Logger;
      /** Signs the caller's identity for the subgraph; undefined in development mode. */
      signIdentity?: ((identity: Identity) => Promise<string>) | undefined;
      /** Share one upstream request among identical concurrent queries (default true). */
      dedupe?: boolean;
    },
  ) {
    super({ url: subgraph.url });
    const send = (url: string, init: RequestInit) =>
      fetch(url, { ...init, signal: AbortSignal.timeout(subgraph.timeoutMs) });
    this.fetcher = (subgraph.dedupe === false
      ? send
      : dedupeQueries(send)) as unknown as RemoteGraphQLDataSource['fetcher'];
  }

  /** Forwards who is asking, signed, so the subgraph can enforce scopes and refuse bypasses. */
  override async willSendRequest(options: GraphQLDataSourceProcessOptions): Promise<void> {
    if (!this.subgraph.signIdentity) return;
    const identity =
      (options.context as { identity?: Identity } | undefined)?.identity ?? GATEWAY_IDENTITY;
    options.request.http?.headers.set(IDENTITY_HEADER, await this.subgraph.signIdentity(identity));
  }

  /** As Apollo's, but a shared answer's already-decoded text is parsed as it is. */
  override parseBody(
    ...args: Parameters<RemoteGraphQLDataSource['parseBody']>
  ): ReturnType<RemoteGraphQLDataSource['parseBody']> {
    const response = args[0] as unknown as Response;
    const text = sharedBodyOf(response);
    if (text === undefined) return super.parseBody(...args);
    const type = response.headers.get('content-type');
    const json =
      type?.startsWith('application/json') || type?.startsWith('application/graphql-response+json');
    return Promise.resolve(json ? (JSON.parse(text) as object) : text);
  }

  override async process(options: GraphQLDataSourceProcessOptions) {
    try {
      return await super.process(options);
    } catch (error) {
      throw this.describe(error);
    }
  }

  private describe(error: unknown): MedfedError {
    const { name, log } = this.subgraph;
    const status = (error as GraphQLError).extensions?.['response'] as
      { status?: number } | undefined;
    if (error instanceof GraphQLError && status?.status && status.status < 500) {
      log.warn({ subgraph: name, status: status.status }, 'subgraph refused a request');
      return new MedfedError(
        'SUBGRAPH_REQUEST_FAILED',
        `Subgraph "${name}" refused the request (HTTP ${status.status})`,
        { serviceName: name },
      );
    }
    const timedOut = (error as Error).name === 'TimeoutError';
    log.warn(
      { subgraph: name, reason: (error as Error).message, cause: causeCode(error) },
      'subgraph unavailable',
    );
    return new MedfedError(
      'SUBGRAPH_UNAVAILABLE',
      timedOut
        ? `Subgraph "${name}" did not answer within ${this.subgraph.timeoutMs} ms`
        : `Subgraph "${name}" is unavailable`,
      { serviceName: name },
    );
  }
}

/** Bodies of shared answers, already decoded (see dedupeQueries), by the Response handed out. */
const sharedBodies = new WeakMap<Response, string>();

/**
 * Identical concurrent subgraph queries share one upstream request: same URL, same body
 * (operation and variables) and same headers — the caller's signed identity among them, so
 * callers with different scopes never share. Only query operations (never mutations). The body is
 * read and decoded once; each caller gets its own Response over that text and parses it itself
 * (see `SubgraphDataSource.parseBody`), so no object is shared after parsing. Under load from many
 * clients asking the same thing, the subgraph sees one request.
 */
export function dedupeQueries(
  send: (url: string, init: RequestInit) => Promise<Response>,
): (url: string, init: RequestInit) => Promise<Response> {
  const inflight = new Map<
    string,
    Promise<{ status: number; statusText: string; headers: Headers; text: string }>
  >();
  return async (url, init) => {
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (!body || !/^\{"query":"\s*(query\b|\{)/.test(body)) return send(url, init);
    const headers = new Headers(init.headers);
    const key = `${url}\0${body}\0${[...headers].map(([k, v]) => `${k}:${v}`).join('\n')}`;
    let pending = inflight.get(key);
    if (!pending) {
      pending = send(url, init).then(async (response) => ({
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        text: await response.text(),
      }));
      inflight.set(key, pending);
      const forget = () => inflight.delete(key);
      pending.then(forget, forget);
    }
    const shared = await pending;
    const response = new Response(null, {
      status: shared.status,
      statusText: shared.statusText,
      headers: shared.headers,
    });
    sharedBodies.set(response, shared.text);
    return response;
  };
}

/** The text of a Response handed out by dedupeQueries; undefined for any other Response. */
export function sharedBodyOf(response: Response): string | undefined {
  return sharedBodies.get(response);
}

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code;
}
