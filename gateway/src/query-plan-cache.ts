import { createHash } from 'node:crypto';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { QueryPlan } from '@apollo/query-planner';

/**
 * What a query plan depends on in a supergraph: everything but the subgraphs' routing URLs (plans
 * name subgraphs, not addresses). Two supergraphs with the same fingerprint plan identically.
 */
export function planningFingerprint(supergraphSdl: string): string {
  const withoutUrls = supergraphSdl.replace(/(@join__graph\(name: "[^"]*", url: ")[^"]*"/g, '$1"');
  return createHash('sha256').update(withoutUrls).digest('hex').slice(0, 16);
}

/**
 * The gateway's query-plan cache: an LRU bounded by approximate size (`maxMiB`), keyed by the
 * operation and the supergraph's planning fingerprint. @apollo/gateway empties its plan store on
 * every schema update; this one keeps plans that are still valid — after an update that only
 * moves a subgraph (routing URL), or a rollback to a supergraph seen before, requests are not
 * re-planned — while a real schema change gets a new fingerprint, so no stale plan is ever used.
 * Plans of older supergraphs age out of the LRU.
 */
export function createQueryPlanCache(maxMiB: number) {
  const lru = new InMemoryLRUCache<QueryPlan>({
    maxSize: maxMiB * 2 ** 20,
    sizeCalculation: (plan) => JSON.stringify(plan).length * 2,
  });
  let generation = 'none';
  const stats = { hits: 0, misses: 0 };
  const keyOf = (key: string) => `${generation}:${key}`;
  return {
    /** The cache @apollo/gateway uses (`queryPlannerConfig.cache`). */
    cache: {
      async get(key: string) {
        const plan = await lru.get(keyOf(key));
        if (plan) stats.hits++;
        else stats.misses++;
        return plan;
      },
      set: (key: string, plan: QueryPlan, options?: { ttl?: number | null }) =>
        lru.set(keyOf(key), plan, options),
      delete: (key: string) => lru.delete(keyOf(key)),
      // Called by the gateway on every schema update: plans stay, keyed by their supergraph.
      clear: () => undefined,
    },
    /** Called with each supergraph the gateway loads, before it serves with it. */
    useSupergraph(supergraphSdl: string) {
      generation = planningFingerprint(supergraphSdl);
    },
    stats: () => ({ ...stats }),
  };
}

export type QueryPlanCache = ReturnType<typeof createQueryPlanCache>;
