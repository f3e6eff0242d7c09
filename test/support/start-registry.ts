import { randomUUID } from 'node:crypto';
import { connectDynamo, type DynamoConnection } from '#common/dynamo/create-dynamo-client.js';
import { createLogger, type Logger } from '#common/logging/create-logger.js';
import { build as buildGateway } from '../../gateway/src/app.js';
import { registrySupergraphSource } from '../../gateway/src/supergraph/registry-supergraph-source.js';
import { build } from '../../schema-registry/src/app.js';
import { DEFAULT_LIMITS } from './start-stack.js';
import { createDynamoTokenStore } from '../../schema-registry/src/auth/dynamo-token-store.js';
import { hashToken } from '../../schema-registry/src/auth/token-store.js';
import { createRegistryClient } from '../../schema-registry/src/client/registry-client.js';
import { createDynamoRegistryStore } from '../../schema-registry/src/store/dynamo-registry-store.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/**
 * A real schema registry on loopback (port 0 unless given) over dynalite. `stop()` closes the
 * HTTP server but keeps the data, so `start()` can bring the same registry back (on the same port).
 */
export async function startRegistry(
  options: { log?: Logger; dynamo?: DynamoConnection; graphs?: string[] } = {},
) {
  const log =
    options.log ??
    createLogger({ name: 'registry', level: process.env['TEST_LOG'] ? 'debug' : 'silent' });
  const dynamo = options.dynamo ?? (await connectDynamo({ endpoint: 'embedded', region: 'local' }));
  const tableName = `registry-${randomUUID()}`;
  const store = await createDynamoRegistryStore({ client: dynamo.client, tableName });
  const tokens = createDynamoTokenStore({ client: dynamo.client, tableName });
  let server: Awaited<ReturnType<typeof build>> | undefined;
  let port = 0;
  let url = '';

  async function start() {
    server = await build({
      store,
      tokens,
      log,
      adminTokenHash: hashToken(ADMIN_TOKEN),
      maxSdlBytes: 2 * 1024 * 1024,
    });
    url = await server.listen({ host: '127.0.0.1', port });
    port = Number(new URL(url).port);
    return url;
  }
  await start();
  const admin = createRegistryClient({ url, token: ADMIN_TOKEN });
  for (const graph of options.graphs ?? ['medfed']) await admin.createGraph(graph);

  return {
    get url() {
      return url;
    },
    admin,
    client: (token: string) => createRegistryClient({ url, token }),
    start,
    async stop() {
      await server?.close();
      server = undefined;
    },
    async close() {
      await server?.close();
      if (!options.dynamo) await dynamo.close();
    },
  };
}

export type TestRegistry = Awaited<ReturnType<typeof startRegistry>>;

/**
 * A gateway (not yet listening) that follows `registry` through the real registry source, with
 * short back-off and long-poll times so outages and recoveries are quick to observe.
 */
export function buildRegistryGateway(options: {
  registryUrl: string;
  cachePath: string;
  log: Logger;
  startupTimeoutMs?: number;
}) {
  return buildGateway(
    {
      // Placeholder: the injected source below replaces what this config would build.
      supergraph: { kind: 'file', path: 'unused' },
      limits: DEFAULT_LIMITS,
      introspection: false,
      subgraphTimeoutMs: 5_000,
      startupTimeoutMs: options.startupTimeoutMs ?? 20_000,
    },
    {
      log: options.log,
      source: registrySupergraphSource({
        url: options.registryUrl,
        graph: 'medfed',
        token: ADMIN_TOKEN,
        cachePath: options.cachePath,
        log: options.log,
        maxBackoffMs: 500,
        pollSeconds: 10,
        startupTimeoutMs: 5_000,
      }),
    },
  );
}
