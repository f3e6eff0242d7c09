import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '#common/logging/create-logger.js';
import {
  createRegistryClient,
  RegistryClientError,
  type PublishResult,
} from './registry-client.js';

/**
 * Publishes a subgraph to the registry when it starts, so an institution joins the graph by
 * starting its service. Network failures and 5xx are retried with backoff (the registry may come
 * up later), and so is COMPOSITION_FAILED (a subgraph this one extends may not have joined yet);
 * any other refusal (invalid, breaking, not allowed) is logged with the registry's reason and not
 * retried. The subgraph keeps serving either way.
 */
export async function registerSubgraph(options: {
  registryUrl: string;
  token: string;
  graph: string;
  name: string;
  url: string;
  sdl: string;
  log: Logger;
  signal?: AbortSignal;
}): Promise<PublishResult | undefined> {
  const client = createRegistryClient({ url: options.registryUrl, token: options.token });
  const { log } = options;
  for (let attempt = 0; !options.signal?.aborted; attempt++) {
    try {
      const result = await client.publish(options.graph, options.name, {
        url: options.url,
        sdl: options.sdl,
      });
      log.info(
        {
          graph: options.graph,
          outcome: result.outcome,
          version: result.version,
          url: options.url,
        },
        'registered with the schema registry',
      );
      return result;
    } catch (error) {
      // Not composing yet may only mean a subgraph this one depends on has not joined: retry.
      const waitingForOthers =
        error instanceof RegistryClientError && error.code === 'COMPOSITION_FAILED';
      if (
        error instanceof RegistryClientError &&
        error.status >= 400 &&
        error.status < 500 &&
        !waitingForOthers
      ) {
        log.error(
          { graph: options.graph, status: error.status, code: error.code, reason: error.message },
          'the schema registry refused this subgraph',
        );
        return undefined;
      }
      const delay = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7));
      log.warn(
        { reason: (error as Error).message, retryInMs: delay },
        'cannot register with the schema registry yet',
      );
      await sleep(delay, undefined, options.signal ? { signal: options.signal } : {}).catch(
        () => undefined,
      );
    }
  }
  return undefined;
}
