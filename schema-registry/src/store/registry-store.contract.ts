import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { GraphVersion } from './graph-version.js';
import { VersionTakenError, type RegistryStore } from './registry-store.js';

const at = '2026-01-01T00:00:00.000Z';
const version = (n: number, sdl = 'type Query { a: Int }', graph = 'g'): GraphVersion => ({
  graph,
  version: n,
  subgraphs:
    n === 0
      ? []
      : [
          {
            name: 'a',
            url: 'http://a/graphql',
            sdl,
            revision: n,
            updatedAt: at,
            updatedBy: 'test',
          },
        ],
  supergraphSdl: n === 0 ? null : `supergraph ${sdl}`,
  supergraphId: n === 0 ? null : createHash('sha256').update(sdl).digest('hex').slice(0, 16),
  createdAt: at,
  createdBy: 'test',
  reason: `v${n}`,
});

/** One suite, run against every RegistryStore adapter (memory and DynamoDB). */
export function registryStoreContract(name: string, makeStore: () => Promise<RegistryStore>) {
  describe(`RegistryStore contract: ${name}`, () => {
    it('appends versions and reads the latest, any version, and history newest first', async () => {
      const store = await makeStore();
      expect(await store.latest('g')).toBeUndefined();
      await store.append(version(0));
      await store.append(version(1));
      await store.append(version(2, 'type Query { b: Int }'));
      expect(await store.latest('g')).toEqual(version(2, 'type Query { b: Int }'));
      expect(await store.get('g', 1)).toEqual(version(1));
      expect(await store.get('g', 9)).toBeUndefined();
      const history = await store.history('g', 2);
      expect(history.map((h) => h.version)).toEqual([2, 1]);
      expect(history[0]!.subgraphs).toEqual([{ name: 'a', revision: 2 }]);
      expect(await store.listGraphs()).toEqual(['g']);
    });

    it('refuses a version number that is taken, leaving the stored one intact', async () => {
      const store = await makeStore();
      await store.append(version(0));
      await store.append(version(1));
      await expect(store.append(version(1, 'type Query { evil: Int }'))).rejects.toBeInstanceOf(
        VersionTakenError,
      );
      expect(await store.latest('g')).toEqual(version(1));
    });

    it('lets exactly one of many concurrent writers of the same version win', async () => {
      const store = await makeStore();
      await store.append(version(0));
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => store.append(version(1, `type Query { f${i}: Int }`))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      expect((await store.latest('g'))!.subgraphs[0]!.sdl).toBe(`type Query { f${winner}: Int }`);
    });

    it('stores schemas far beyond DynamoDB’s 400 KB item limit', async () => {
      const store = await makeStore();
      // Random field names barely compress: ~1.3 MB of SDL stays ~0.8 MB after gzip (3 chunks).
      const fields = Array.from(
        { length: 40_000 },
        () => `  f${randomBytes(12).toString('hex')}: Int`,
      ).join('\n');
      const sdl = `type Query {\n${fields}\n}`;
      expect(sdl.length).toBeGreaterThan(1_300_000);
      await store.append(version(0, sdl, 'big'));
      await store.append(version(1, sdl, 'big'));
      const back = await store.latest('big');
      expect(back!.subgraphs[0]!.sdl).toBe(sdl);
      expect(back!.supergraphSdl).toBe(`supergraph ${sdl}`);
    });
  });
}
