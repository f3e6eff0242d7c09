import { readDynamoSubgraphConfig } from '#common/config/dynamo-subgraph-config.js';
import { connectDynamo } from '#common/dynamo/create-dynamo-client.js';
import { createLogger } from '#common/logging/create-logger.js';
import { identityVerifierFor, startSubgraph } from '../../start-subgraph.js';
import { build, SUBGRAPH_NAME, typeDefs } from './app.js';
import { createDynamoModelStore } from './dynamo-model-store.js';

const config = readDynamoSubgraphConfig(SUBGRAPH_NAME, { port: 4001 }, process.env);
const log = createLogger({ name: SUBGRAPH_NAME, level: config.logLevel });
const dynamo = await connectDynamo(config.dynamo);
const store = await createDynamoModelStore({ client: dynamo.client, tableName: config.tableName });
const server = await build({ store, log, verifyIdentity: await identityVerifierFor(config, log) });
await startSubgraph({
  name: SUBGRAPH_NAME,
  server,
  typeDefs,
  log,
  config,
  onClose: () => dynamo.close(),
});
