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
    },
  ) {
    super({ url: subgraph.url });
    this.fetcher = ((url: string, init: RequestInit) =>
      fetch(url, {
        ...init,
        signal: AbortSignal.timeout(subgraph.timeoutMs),
      })) as unknown as RemoteGraphQLDataSource['fetcher'];
  }

  /** Forwards who is asking, signed, so the subgraph can enforce scopes and refuse bypasses. */
  override async willSendRequest(options: GraphQLDataSourceProcessOptions): Promise<void> {
    if (!this.subgraph.signIdentity) return;
    const identity =
      (options.context as { identity?: Identity } | undefined)?.identity ?? GATEWAY_IDENTITY;
    options.request.http?.headers.set(IDENTITY_HEADER, await this.subgraph.signIdentity(identity));
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

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code;
}
