import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { baseUrlOf, createHttpApp } from '#common/http/create-http-app.js';
import { useProblemDetails } from '#common/http/problem-details.js';
import type { Logger } from '#common/logging/create-logger.js';
import { createAuthenticator, type Principal } from './auth/authenticate.js';
import type { TokenStore } from './auth/token-store.js';
import { RegistryService } from './registry-service.js';
import { graphRoutes } from './routes/graphs.js';
import { subgraphRoutes } from './routes/subgraphs.js';
import { supergraphRoutes } from './routes/supergraph.js';
import { tokenRoutes } from './routes/tokens.js';
import type { RegistryStore } from './store/registry-store.js';

export type RegistryApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
> & {
  readonly registry: RegistryService;
  readonly tokens: TokenStore;
  authenticate(request: FastifyRequest): Promise<Principal>;
};

export interface RegistryDeps {
  readonly store: RegistryStore;
  readonly tokens: TokenStore;
  readonly log: Logger;
  /** SHA-256 (hex) of the admin token. */
  readonly adminTokenHash: string;
  readonly maxSdlBytes: number;
}

/**
 * The schema registry's REST API (Fastify, TypeBox schemas, OpenAPI at /openapi.json, RFC 9457
 * errors). Pure: no listen(); main.ts does that.
 */
export async function build(deps: RegistryDeps) {
  // SDL travels in JSON; leave room for escaping and the other members.
  const base = createHttpApp({ log: deps.log, bodyLimitBytes: deps.maxSdlBytes * 2 + 64 * 1024 });
  useProblemDetails(base, deps.log);
  await base.register(swagger, {
    openapi: {
      info: {
        title: 'medfed schema registry',
        version: '1',
        description:
          'Institutions publish subgraphs; the registry composes and checks them and serves the supergraph.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  const registry = new RegistryService(deps.store, deps.log);
  base.decorate('registry', registry);
  base.addHook('preClose', async () => registry.close());
  base.decorate('tokens', deps.tokens);
  base.decorate(
    'authenticate',
    createAuthenticator({ adminTokenHash: deps.adminTokenHash, tokens: deps.tokens }),
  );
  const app = base.withTypeProvider<TypeBoxTypeProvider>() as unknown as RegistryApp;

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  graphRoutes(app);
  tokenRoutes(app);
  subgraphRoutes(app, { maxSdlBytes: deps.maxSdlBytes });
  supergraphRoutes(app);
  await app.ready();

  return {
    app,
    async listen(options: { host: string; port: number }) {
      await app.listen(options);
      return baseUrlOf(app);
    },
    close: () => app.close(),
  };
}

export type RegistryServer = Awaited<ReturnType<typeof build>>;
