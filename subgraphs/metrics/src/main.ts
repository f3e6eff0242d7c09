import { runDynamoSubgraph } from '../../start-subgraph.js';
import { build, SUBGRAPH_NAME, typeDefs } from './app.js';
import { createDynamoMetricStore } from './dynamo-metric-store.js';

await runDynamoSubgraph({
  name: SUBGRAPH_NAME,
  defaultPort: 4003,
  typeDefs,
  createStore: createDynamoMetricStore,
  build,
});
