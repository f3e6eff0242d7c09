import {
  createSubgraphServer,
  type SubgraphServer,
} from '#common/graphql/create-subgraph-server.js';
import { loadTypeDefs } from '#common/graphql/load-type-defs.js';
import type { Identity } from '#common/auth/identity-token.js';
import type { Logger } from '#common/logging/create-logger.js';
import type { ModelStore } from './model-store.js';
import { createAiModelsContext, resolvers } from './resolvers.js';

export const SUBGRAPH_NAME = 'ai-models';
export const typeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));

/** Builds the ai-models subgraph over a ModelStore; listens nowhere (main.ts does). */
export function build(deps: {
  store: ModelStore;
  log: Logger;
  verifyIdentity?: ((token: string) => Promise<Identity>) | undefined;
}): Promise<SubgraphServer> {
  return createSubgraphServer({
    name: SUBGRAPH_NAME,
    typeDefs,
    resolvers,
    context: (_request, identity) => createAiModelsContext(deps.store, identity),
    verifyIdentity: deps.verifyIdentity,
    log: deps.log,
  });
}
