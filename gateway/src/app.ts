import { createHash } from 'node:crypto';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { baseUrlOf, createHttpApp } from '#common/http/create-http-app.js';
import { createErrorMasker } from '#common/graphql/mask-error.js';
import type { Logger } from '#common/logging/create-logger.js';
import type { GatewayConfig } from './config.js';
import type { JWK } from 'jose';
import { createIdentitySigner, type Identity } from '#common/auth/identity-token.js';
import { createAuthenticator, type AuthConfig } from './auth/authenticate.js';
import { limitCodeOf, queryLimitRules } from './query-limits.js';
import { createQueryPlanCache } from './query-plan-cache.js';
import { installResultShaping } from './result-shaping/install-result-shaping.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { composeFromSubgraphs } from './supergraph/compose-from-subgraphs.js';
import { registrySupergraphSource } from './supergraph/registry-supergraph-source.js';
import { supergraphFromFile } from './supergraph/supergraph-file.js';
import type { SupergraphSource } from './supergraph/supergraph-source.js';

export interface GatewayServer {
  readonly app: FastifyInstance;
  /** Resolves once a supergraph is loaded and GraphQL is served; rejects if that fails. */
  readonly ready: Promise<void>;
  /** Id (hash prefix) of the supergraph in use, if one is loaded. */
  schemaId(): string | undefined;
  /** Query-plan cache hits and misses since start. */
  planCacheStats(): { hits: number; misses: number };
  listen(options: { host: string; port: number }): Promise<string>;
  close(): Promise<void>;
}

/**
 * The federated gateway: @apollo/gateway on @apollo/server, over Fastify. HTTP is served at once;
 * /graphql answers 503 SCHEMA_NOT_LOADED and /health reports "starting" until a supergraph has
 * loaded. Query limits (depth, aliases, tokens, body size) apply before planning.
 */
export function build(
  config: Pick<
    GatewayConfig,
    'supergraph' | 'limits' | 'introspection' | 'subgraphTimeoutMs' | 'startupTimeoutMs'
  > &
    Partial<Pick<GatewayConfig, 'queryPlanCacheMiB' | 'resultShaping'>> & {
      /** Who may call; undefined: open (only for in-process tests and development). */
      auth?: AuthConfig | undefined;
      /** Ed25519 private JWK that signs identities for subgraphs; undefined: unsigned. */
      identityPrivateKey?: JWK | undefined;
    },
  deps: { log: Logger; source?: SupergraphSource },
): GatewayServer {
  // Apollo's gateway reports usage to Apollo unless told not to; medfed never phones home.
  process.env['APOLLO_TELEMETRY_DISABLED'] = '1';
  const { log } = deps;
  const abort = new AbortController();
  const source = deps.source ?? sourceFor(config, log, abort.signal);

  const signer = config.identityPrivateKey
    ? createIdentitySigner(config.identityPrivateKey)
    : undefined;
  const authenticator = config.auth ? createAuthenticator(config.auth) : undefined;
  const plans = createQueryPlanCache(config.queryPlanCacheMiB ?? 30);
  installResultShaping({ enabled: (config.resultShaping ?? 'lean') === 'lean', log });
  const gateway = new ApolloGateway({
    supergraphSdl: source,
    queryPlannerConfig: { cache: plans.cache },
    logger: log.child({ component: 'apollo-gateway' }),
    buildService: ({ name, url }) =>
      new SubgraphDataSource({
        name,
        url: url ?? '',
        timeoutMs: config.subgraphTimeoutMs,
        log,
        ...(signer ? { signIdentity: async (identity: Identity) => (await signer)(identity) } : {}),
      }),
  });
  let schemaId: string | undefined;
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    plans.useSupergraph(coreSupergraphSdl);
    const next = createHash('sha256').update(coreSupergraphSdl).digest('hex').slice(0, 16);
    if (next !== schemaId) log.info({ schemaId: next }, 'supergraph loaded');
    schemaId = next;
  });

  const app = createHttpApp({ log, bodyLimitBytes: config.limits.maxBodyBytes });
  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send(
          graphqlErrorBody(
            `Request body is larger than the ${config.limits.maxBodyBytes}-byte limit`,
            'QUERY_TOO_LARGE',
          ),
        );
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) log.error({ err: error }, 'request failed');
    return reply
      .code(status)
      .send(
        graphqlErrorBody(
          status >= 500 ? 'Internal server error' : error.message,
          status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST',
        ),
      );
  });

  const masker = createErrorMasker(log);
  const apollo = new ApolloServer({
    gateway,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    validationRules: queryLimitRules(config.limits),
    parseOptions: { maxTokens: config.limits.maxTokens },
    plugins: [fastifyApolloDrainPlugin(app)],
    formatError: (formatted, error) => {
      const limit = limitCodeOf(error);
      return masker(limit ? { ...formatted, extensions: { code: limit } } : formatted, error);
    },
  });

  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health', async (_request, reply) =>
    schemaId
      ? { status: 'ok', schemaId }
      : reply.code(503).send({ status: 'starting', detail: 'no supergraph loaded yet' }),
  );
  // The GraphQL route exists from the start; it answers 503 until Apollo has loaded a schema.
  let handler: RouteHandlerMethod | undefined;
  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    handler(request: FastifyRequest, reply: FastifyReply) {
      if (handler) return handler.call(this, request, reply);
      return reply
        .code(503)
        .header('retry-after', '1')
        .send(graphqlErrorBody('The gateway has not loaded a schema yet', 'SCHEMA_NOT_LOADED'));
    },
  });
  const ready = Promise.all([apollo.start(), signer, authenticator]).then(([, , authenticate]) => {
    handler = fastifyApolloHandler(apollo, {
      context: async (request: FastifyRequest) =>
        authenticate ? { identity: await authenticate(request.headers) } : {},
    }) as RouteHandlerMethod;
  });
  ready.catch((error: unknown) => log.error({ err: error }, 'gateway failed to load a supergraph'));

  return {
    app,
    ready,
    schemaId: () => schemaId,
    planCacheStats: () => plans.stats(),
    async listen({ host, port }) {
      await app.listen({ host, port });
      return baseUrlOf(app);
    },
    async close() {
      abort.abort();
      await app.close();
      await ready.catch(() => undefined);
      await apollo.stop().catch(() => undefined);
    },
  };
}

function sourceFor(
  config: Pick<GatewayConfig, 'supergraph' | 'startupTimeoutMs'>,
  log: Logger,
  signal: AbortSignal,
): SupergraphSource {
  const supergraph = config.supergraph;
  switch (supergraph.kind) {
    case 'file':
      return supergraphFromFile({ path: supergraph.path, log });
    case 'registry':
      return registrySupergraphSource({
        url: supergraph.url,
        graph: supergraph.graph,
        token: supergraph.token,
        cachePath: supergraph.cachePath,
        startupTimeoutMs: config.startupTimeoutMs,
        log,
      });
    case 'subgraphs':
      return composeFromSubgraphs({
        subgraphs: supergraph.subgraphs,
        pollIntervalMs: supergraph.pollIntervalMs,
        startupTimeoutMs: config.startupTimeoutMs,
        log,
        signal,
      });
    default: {
      const unknownKind: never = supergraph;
      throw new Error(`unknown supergraph source ${JSON.stringify(unknownKind)}`);
    }
  }
}

function graphqlErrorBody(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}
