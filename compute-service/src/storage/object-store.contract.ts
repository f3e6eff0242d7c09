import { describe, expect, it } from 'vitest';
import type { ObjectStore } from './object-store.js';

/** What every ObjectStore adapter must do; run against each (filesystem, S3). */
export function objectStoreContract(name: string, open: () => ObjectStore) {
  describe(`object store contract: ${name}`, () => {
    it('puts, gets, overwrites, lists recursively and sorted, and says what exists', async () => {
      const store = open();
      const run = `run-${Math.random().toString(36).slice(2, 8)}`;
      await store.put(`${run}/units/u2/seg.dcm`, new Uint8Array([1, 2, 3]));
      await store.put(`${run}/units/u1/result.json`, '{"ok":false}');
      await store.put(`${run}/units/u1/result.json`, '{"ok":true}');
      expect(new TextDecoder().decode(await store.get(`${run}/units/u1/result.json`))).toBe(
        '{"ok":true}',
      );
      expect([...(await store.get(`${run}/units/u2/seg.dcm`))!]).toEqual([1, 2, 3]);
      expect(await store.get(`${run}/missing`)).toBeUndefined();
      expect(await store.exists(`${run}/units/u2/seg.dcm`)).toBe(true);
      expect(await store.exists(`${run}/units/u3/seg.dcm`)).toBe(false);
      expect(await store.list(run)).toEqual([
        `${run}/units/u1/result.json`,
        `${run}/units/u2/seg.dcm`,
      ]);
      expect(await store.list(`${run}/units/u1`)).toEqual([`${run}/units/u1/result.json`]);
      expect(await store.list(`${run}-other`)).toEqual([]);
    });

    it('lists past one page of keys', async () => {
      const store = open();
      const run = `many-${Math.random().toString(36).slice(2, 8)}`;
      for (let start = 0; start < 1100; start += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            store.put(`${run}/${String(start + i).padStart(4, '0')}`, 'x'),
          ),
        );
      }
      const keys = await store.list(run);
      expect(keys).toHaveLength(1100);
      expect(keys[0]).toBe(`${run}/0000`);
    }, 60_000);

    it('refuses keys that would leave the store', async () => {
      const store = open();
      for (const key of ['../etc/passwd', '/abs', 'a//b', 'a/../../b', 'a b'])
        await expect(store.put(key, 'x')).rejects.toThrow(/invalid object key/);
    });
  });
}
