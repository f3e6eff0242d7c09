import {
  createSubgraphServer,
  type SubgraphServer,
} from '#common/graphql/create-subgraph-server.js';
import { loadTypeDefs } from '#common/graphql/load-type-defs.js';
import type { Identity } from '#common/auth/identity-token.js';
import type { Logger } from '#common/logging/create-logger.js';
import type { MetricStore } from './metric-store.js';
import { createMetricsContext, resolvers } from './resolvers.js';

export const SUBGRAPH_NAME = 'metrics';
export const typeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));

/** Builds the metrics subgraph over a MetricStore; listens nowhere (main.ts does). */
export function build(deps: {
  store: MetricStore;
  log: Logger;
  verifyIdentity?: ((token: string) => Promise<Identity>) | undefined;
}): Promise<SubgraphServer> {
  return createSubgraphServer({
    name: SUBGRAPH_NAME,
    typeDefs,
    resolvers,
    context: (_request, identity) => createMetricsContext(deps.store, identity),
    verifyIdentity: deps.verifyIdentity,
    log: deps.log,
  });
}
