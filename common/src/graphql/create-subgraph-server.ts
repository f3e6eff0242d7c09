import { ApolloServer, type ContextFunction } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DocumentNode } from 'graphql';
import type { Logger } from '../logging/create-logger.js';
import { baseUrlOf, createHttpApp } from '../http/create-http-app.js';
import { IDENTITY_HEADER, type Identity } from '../auth/identity-token.js';
import { createErrorMasker } from './mask-error.js';

const DEVELOPMENT_IDENTITY: Identity = { subject: 'development', scopes: ['*'] };
const NO_IDENTITY: Identity = { subject: 'unknown', scopes: [] };
import type { ResolverMap } from './resolver-map.js';

export interface SubgraphServerOptions<TContext extends object> {
  /** The subgraph's name in the supergraph, e.g. `ai-models`. */
  readonly name: string;
  readonly typeDefs: DocumentNode;
  readonly resolvers: ResolverMap;
  /**
   * Builds the per-request context (DataLoaders live here: one set per subgraph request), with
   * the caller's identity as the gateway vouched for it.
   */
  readonly context: (request: FastifyRequest, identity: Identity) => TContext | Promise<TContext>;
  /**
   * Verifies the gateway-signed identity on every GraphQL request; requests without a valid one
   * are refused (401). Undefined only in development mode, where every caller has every scope.
   */
  readonly verifyIdentity?: ((token: string) => Promise<Identity>) | undefined;
  readonly log: Logger;
  readonly bodyLimitBytes?: number;
  /** Extra HTTP routes (e.g. file downloads) registered beside /graphql and /health. */
  readonly routes?: (app: FastifyInstance) => void | Promise<void>;
}

export interface SubgraphServer {
  readonly app: FastifyInstance;
  /** Listens on host:port (port 0 picks a free one) and returns the base URL. */
  listen(options: { host: string; port: number }): Promise<string>;
  close(): Promise<void>;
}

/**
 * A federation subgraph over HTTP: Fastify + Apollo Server with `buildSubgraphSchema`, serving
 * GraphQL at /graphql and readiness at /health. Unexpected resolver errors are masked and logged.
 */
export async function createSubgraphServer<TContext extends object>(
  options: SubgraphServerOptions<TContext>,
): Promise<SubgraphServer> {
  const app = createHttpApp({
    log: options.log,
    bodyLimitBytes: options.bodyLimitBytes ?? 8 * 1024 * 1024,
  });
  const apollo = new ApolloServer<TContext>({
    schema: buildSubgraphSchema([{ typeDefs: options.typeDefs, resolvers: options.resolvers }]),
    // Inline traces (ftv1) only feed Apollo's usage reporting, which medfed never sends.
    plugins: [fastifyApolloDrainPlugin(app), ApolloServerPluginInlineTraceDisabled()],
    formatError: createErrorMasker(options.log),
    includeStacktraceInErrorResponses: false,
    // Subgraphs answer the gateway; the gateway decides whether researchers may introspect.
    introspection: true,
  });
  await apollo.start();

  const identities = new WeakMap<FastifyRequest, Identity>();
  const context: ContextFunction<[FastifyRequest, FastifyReply], TContext> = (request) =>
    Promise.resolve(
      options.context(
        request,
        identities.get(request) ?? (options.verifyIdentity ? NO_IDENTITY : DEVELOPMENT_IDENTITY),
      ),
    );
  if (options.verifyIdentity) {
    const verify = options.verifyIdentity;
    app.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/graphql')) return;
      const token = request.headers[IDENTITY_HEADER];
      const refuse = (message: string) =>
        reply.code(401).send({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
      if (typeof token !== 'string') return refuse('Requests must come through the gateway');
      try {
        identities.set(request, await verify(token));
      } catch {
        return refuse('Invalid gateway identity');
      }
    });
  }
  await app.register(fastifyApollo(apollo), { path: '/graphql', context });
  app.get('/health', async () => ({ status: 'ok', subgraph: options.name }));
  await options.routes?.(app);

  return {
    app,
    async listen({ host, port }) {
      await app.listen({ host, port });
      return baseUrlOf(app);
    },
    async close() {
      await app.close();
      await apollo.stop();
    },
  };
}
