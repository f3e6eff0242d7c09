import { runDynamoSubgraph } from '../../start-subgraph.js';
import { build, SUBGRAPH_NAME, typeDefs } from './app.js';
import { createDynamoModelStore } from './dynamo-model-store.js';

await runDynamoSubgraph({
  name: SUBGRAPH_NAME,
  defaultPort: 4001,
  typeDefs,
  createStore: createDynamoModelStore,
  build,
});
