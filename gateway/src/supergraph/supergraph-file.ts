import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '#common/logging/create-logger.js';
import type { SupergraphSource } from './supergraph-source.js';

/**
 * A supergraph SDL file (e.g. from `rover supergraph compose` or the registry's fetch). The file is
 * watched: a new version is applied while the gateway keeps serving; an invalid one is logged and
 * the previous schema stays.
 */
export function supergraphFromFile(options: {
  path: string;
  log: Logger;
  watchIntervalMs?: number;
}): SupergraphSource {
  return {
    async initialize({ update }) {
      let current = await readFile(options.path, 'utf8');
      const onChange = () => {
        void readFile(options.path, 'utf8').then(
          (next) => {
            if (next === current) return;
            try {
              update(next);
              current = next;
              options.log.info({ path: options.path }, 'supergraph file changed; schema updated');
            } catch (error) {
              options.log.error(
                { path: options.path, reason: (error as Error).message },
                'supergraph file changed but is invalid; keeping the current schema',
              );
            }
          },
          (error: unknown) =>
            options.log.error({ err: error, path: options.path }, 'cannot read supergraph file'),
        );
      };
      watchFile(options.path, { interval: options.watchIntervalMs ?? 1_000 }, onChange);
      return {
        supergraphSdl: current,
        cleanup: () => {
          unwatchFile(options.path, onChange);
          return Promise.resolve();
        },
      };
    },
  };
}
