import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsObjectStore } from './fs-object-store.js';

describe('filesystem object store', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const store = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'medfed-store-'));
    dirs.push(dir);
    return { dir, store: createFsObjectStore(dir) };
  };

  it('puts, gets, lists and leaves no partial files', async () => {
    const { dir, store: s } = await store();
    await s.put('jobs/a/units/u1/result.json', '{"ok":true}');
    await s.put('jobs/a/units/u2/seg.dcm', new Uint8Array([1, 2, 3]));
    expect(new TextDecoder().decode(await s.get('jobs/a/units/u1/result.json'))).toBe(
      '{"ok":true}',
    );
    expect(await s.get('jobs/a/missing')).toBeUndefined();
    expect(await s.exists('jobs/a/units/u2/seg.dcm')).toBe(true);
    expect(await s.exists('jobs/a/units')).toBe(false);
    expect(await s.list('jobs/a')).toEqual([
      'jobs/a/units/u1/result.json',
      'jobs/a/units/u2/seg.dcm',
    ]);
    const files = await readdir(join(dir, 'jobs/a/units/u1'));
    expect(files).toEqual(['result.json']);
  });

  it('refuses keys that would leave the store', async () => {
    const { store: s } = await store();
    for (const key of ['../etc/passwd', '/abs', 'a//b', 'a/../../b', 'a b'])
      await expect(s.put(key, 'x')).rejects.toThrow(/invalid object key/);
  });
});
