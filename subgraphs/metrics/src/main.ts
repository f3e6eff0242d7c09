import { readDynamoSubgraphConfig } from '#common/config/dynamo-subgraph-config.js';
import { connectDynamo } from '#common/dynamo/create-dynamo-client.js';
import { createLogger } from '#common/logging/create-logger.js';
import { onShutdown } from '#common/process/on-shutdown.js';
import { build, SUBGRAPH_NAME } from './app.js';
import { createDynamoMetricStore } from './dynamo-metric-store.js';

const config = readDynamoSubgraphConfig(SUBGRAPH_NAME, { port: 4003 }, process.env);
const log = createLogger({ name: SUBGRAPH_NAME, level: config.logLevel });
const dynamo = await connectDynamo(config.dynamo);
const store = await createDynamoMetricStore({ client: dynamo.client, tableName: config.tableName });
const server = await build({ store, log });
const url = await server.listen({ host: config.host, port: config.port });
log.info({ url: `${url}/graphql`, dynamo: dynamo.endpoint ?? 'aws' }, 'subgraph ready');
onShutdown(log, async () => {
  await server.close();
  await dynamo.close();
});
