import { summarize, type GraphVersion } from './graph-version.js';
import { VersionTakenError, type RegistryStore } from './registry-store.js';

/** In-memory RegistryStore for unit tests. */
export function createMemoryRegistryStore(): RegistryStore {
  const graphs = new Map<string, GraphVersion[]>();
  return {
    listGraphs: () => Promise.resolve([...graphs.keys()].sort()),
    latest: (graph) => Promise.resolve(graphs.get(graph)?.at(-1)),
    get: (graph, version) => Promise.resolve(graphs.get(graph)?.[version]),
    history: (graph, limit) =>
      Promise.resolve((graphs.get(graph) ?? []).slice(-limit).reverse().map(summarize)),
    append(next) {
      const versions = graphs.get(next.graph) ?? [];
      if (versions.length !== next.version) {
        return Promise.reject(new VersionTakenError(next.graph, next.version));
      }
      graphs.set(next.graph, [...versions, structuredClone(next)]);
      return Promise.resolve();
    },
  };
}
