import { setTimeout as sleep } from 'node:timers/promises';
import { IntrospectAndCompose } from '@apollo/gateway';
import type { Logger } from '#common/logging/create-logger.js';
import type { SupergraphSource } from './supergraph-source.js';

/**
 * Composes the supergraph from live subgraphs (their `_service { sdl }`), re-checking every
 * `pollIntervalMs`. Unlike plain IntrospectAndCompose it tolerates subgraphs that are not up yet:
 * it retries with backoff until `startupTimeoutMs`, so services can start in any order.
 */
export function composeFromSubgraphs(options: {
  subgraphs: readonly { name: string; url: string }[];
  pollIntervalMs: number;
  startupTimeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
}): SupergraphSource {
  return {
    async initialize(hooks) {
      const deadline = Date.now() + options.startupTimeoutMs;
      for (let attempt = 0; ; attempt++) {
        const compose = new IntrospectAndCompose({
          subgraphs: options.subgraphs.map((s) => ({ ...s })),
          ...(options.pollIntervalMs > 0 ? { pollIntervalInMs: options.pollIntervalMs } : {}),
          logger: options.log,
        });
        try {
          return await compose.initialize(hooks);
        } catch (error) {
          const delay = Math.min(5_000, 100 * 2 ** attempt);
          if (Date.now() + delay > deadline || options.signal?.aborted) throw error;
          options.log.warn(
            { attempt: attempt + 1, retryInMs: delay, reason: (error as Error).message },
            'supergraph composition failed; retrying',
          );
          await sleep(delay, undefined, options.signal ? { signal: options.signal } : {}).catch(
            () => undefined,
          );
        }
      }
    },
  };
}
