import { connectDynamo } from '#common/dynamo/create-dynamo-client.js';
import { MedfedError } from '#common/errors/medfed-error.js';
import { createLogger } from '#common/logging/create-logger.js';
import { onShutdown } from '#common/process/on-shutdown.js';
import { build } from './app.js';
import { createDynamoTokenStore } from './auth/dynamo-token-store.js';
import { hashToken } from './auth/token-store.js';
import { readConfig } from './config.js';
import { createDynamoRegistryStore } from './store/dynamo-registry-store.js';

const config = readConfig(process.env);
const log = createLogger({ name: 'schema-registry', level: config.logLevel });
const dynamo = await connectDynamo(config.dynamo);
const store = await createDynamoRegistryStore({
  client: dynamo.client,
  tableName: config.tableName,
});
const tokens = createDynamoTokenStore({ client: dynamo.client, tableName: config.tableName });
const server = await build({
  store,
  tokens,
  log,
  adminTokenHash: hashToken(config.adminToken),
  maxSdlBytes: config.maxSdlBytes,
});
for (const graph of config.graphs) {
  await server.app.registry.createGraph(graph, 'admin').catch((error: unknown) => {
    if (!(error instanceof MedfedError && error.code === 'CONFLICT')) throw error;
  });
}
const url = await server.listen({ host: config.host, port: config.port });
log.info({ url, graphs: config.graphs, dynamo: dynamo.endpoint ?? 'aws' }, 'schema registry ready');
onShutdown(log, async () => {
  await server.close();
  await dynamo.close();
});
