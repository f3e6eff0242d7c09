import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '#common/logging/create-logger.js';
import { createRegistryClient } from '../../../schema-registry/src/client/registry-client.js';
import type { SupergraphSource } from './supergraph-source.js';

export interface RegistrySourceOptions {
  readonly url: string;
  readonly graph: string;
  readonly token: string;
  /** Where the last good supergraph is kept, to start from when the registry is down at boot. */
  readonly cachePath: string;
  readonly log: Logger;
  /** Long-poll duration per request, seconds. */
  readonly pollSeconds?: number;
  readonly maxBackoffMs?: number;
  readonly startupTimeoutMs?: number;
}

/**
 * Follows the schema registry: fetches the supergraph, then long-polls for the next one and hands
 * each to the gateway (`update`), which switches schemas for new requests while in-flight ones
 * finish on the old. Every applied supergraph is written to `cachePath`. If the registry is down
 * the gateway keeps serving what it has and retries with exponential backoff; if it is down at
 * boot, the gateway starts from the cached file.
 */
export function registrySupergraphSource(options: RegistrySourceOptions): SupergraphSource {
  const client = createRegistryClient({
    url: options.url,
    token: options.token,
    timeoutMs: 10_000,
  });
  const { log, graph } = options;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const stop = new AbortController();

  async function save(sdl: string, id: string) {
    await mkdir(dirname(options.cachePath), { recursive: true });
    const temp = `${options.cachePath}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify({ graph, id, sdl, savedAt: new Date().toISOString() }));
    await rename(temp, options.cachePath); // atomic: a crash never leaves half a file
  }

  async function loadCache(): Promise<{ id: string; sdl: string } | undefined> {
    try {
      const saved = JSON.parse(await readFile(options.cachePath, 'utf8')) as {
        graph: string;
        id: string;
        sdl: string;
      };
      return saved.graph === graph ? saved : undefined;
    } catch {
      return undefined;
    }
  }

  async function initialFetch(): Promise<{ id: string; sdl: string; fromCache: boolean }> {
    const deadline = Date.now() + (options.startupTimeoutMs ?? 120_000);
    let cached: { id: string; sdl: string } | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await client.supergraph(graph);
        if (result.changed) {
          await save(result.supergraph.sdl, result.supergraph.id);
          return { id: result.supergraph.id, sdl: result.supergraph.sdl, fromCache: false };
        }
      } catch (error) {
        cached ??= await loadCache();
        if (cached) {
          log.warn(
            { reason: (error as Error).message, id: cached.id },
            'registry unreachable at start; serving the saved supergraph',
          );
          return { ...cached, fromCache: true };
        }
        if (Date.now() > deadline) throw error;
        log.warn(
          { reason: (error as Error).message, attempt: attempt + 1 },
          'no supergraph from the registry yet; retrying',
        );
      }
      await sleep(Math.min(maxBackoff, 200 * 2 ** attempt), undefined, { signal: stop.signal });
    }
  }

  return {
    async initialize({ update }) {
      const first = await initialFetch();
      let current = first.id;
      void (async () => {
        let failures = 0;
        while (!stop.signal.aborted) {
          try {
            const result = await client.supergraph(graph, {
              knownId: current,
              waitSeconds: options.pollSeconds ?? 25,
              signal: stop.signal,
            });
            if (failures > 0) log.info('registry reachable again');
            failures = 0;
            if (!result.changed) continue;
            try {
              update(result.supergraph.sdl);
            } catch (error) {
              log.error(
                { id: result.supergraph.id, reason: (error as Error).message },
                'registry supergraph rejected by the gateway; keeping the current one',
              );
              current = result.supergraph.id;
              continue;
            }
            current = result.supergraph.id;
            await save(result.supergraph.sdl, current);
            log.info(
              { id: current, version: result.supergraph.version },
              'supergraph updated from the registry',
            );
          } catch (error) {
            if (stop.signal.aborted) break;
            failures++;
            const delay = Math.min(maxBackoff, 250 * 2 ** Math.min(failures, 10));
            log.warn(
              { reason: (error as Error).message, retryInMs: delay },
              'registry unreachable; serving the current supergraph',
            );
            await sleep(delay, undefined, { signal: stop.signal }).catch(() => undefined);
          }
        }
      })();
      return {
        supergraphSdl: first.sdl,
        cleanup: () => {
          stop.abort();
          return Promise.resolve();
        },
      };
    },
  };
}
