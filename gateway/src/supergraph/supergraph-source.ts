import type { SupergraphManager } from '@apollo/gateway';

/**
 * Where the gateway's supergraph comes from: @apollo/gateway's own SupergraphManager contract
 * (initialize with update/healthCheck callbacks, return the SDL and a cleanup). Adapters here:
 * composition from a list of subgraph URLs, and a supergraph SDL file. The registry adapter plugs
 * in the same way.
 */
export type SupergraphSource = SupergraphManager;
