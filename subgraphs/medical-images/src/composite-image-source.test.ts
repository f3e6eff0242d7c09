import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createLogger } from '#common/logging/create-logger.js';
import { testDeidentifier } from '#common/testing/test-deidentifier.js';
import { writeBrainMrSeries, writeChestXray } from '#fixtures/dicom-phantoms.js';
import { compositeImageSource } from './composite-image-source.js';
import { createFolderImageSource } from './folder-image-source.js';

const log = createLogger({ name: 'test', level: 'silent' });
const dir = await mkdtemp(join(tmpdir(), 'medfed-composite-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

it('answers across archives: counts, paging, ids, compatibility and files', async () => {
  await writeBrainMrSeries({
    dir: join(dir, 'a'),
    patient: 'PHANTOM-A',
    contrast: 'T1c',
    slices: 5,
    size: 8,
  });
  await writeBrainMrSeries({
    dir: join(dir, 'b'),
    patient: 'PHANTOM-B',
    contrast: 'T1c',
    slices: 4,
    size: 8,
  });
  await writeChestXray({ dir: join(dir, 'b'), patient: 'PHANTOM-C', size: 16 });
  const source = compositeImageSource([
    await createFolderImageSource({
      root: join(dir, 'a'),
      log,
      name: 'site-a',
      pseudonyms: testDeidentifier,
    }),
    await createFolderImageSource({
      root: join(dir, 'b'),
      log,
      name: 'site-b',
      pseudonyms: testDeidentifier,
    }),
  ]);
  const all = await source.search({}, { first: 100 });
  expect(all.totalCount).toBe(10);
  const seen: string[] = [];
  let after: string | null = null;
  do {
    const page = await source.search({ modality: 'MR' }, { first: 3, after });
    expect(page.totalCount).toBe(9);
    seen.push(...page.nodes.map((n) => n.id));
    after = page.hasNextPage ? page.endCursor : null;
  } while (after);
  expect(seen).toHaveLength(9);
  expect(new Set(seen).size).toBe(9);
  const ids = [seen[8]!, 'img-none', seen[0]!];
  expect((await source.getByIds(ids)).map((r) => r?.id)).toEqual([seen[8], undefined, seen[0]]);
  const [compatible] = await source.findCompatible(
    [{ modality: 'MR', bodyPart: 'BRAIN', imageTypes: ['MRI_T1c'] }],
    7,
  );
  expect(compatible).toHaveLength(7);
  expect(await source.open(seen[8]!)).toBeDefined();
  await expect(source.search({}, { first: 1, after: 'nope' })).rejects.toMatchObject({
    code: 'BAD_USER_INPUT',
  });
});
