import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '#common/testing/capture-logger.js';
import { pydicomFile } from '#common/testing/pydicom-corpus.js';
import { testDeidentifier } from '#common/testing/test-deidentifier.js';
import { writeBrainMrSeries, writeChestXray } from '#fixtures/dicom-phantoms.js';
import { createFolderImageSource } from './folder-image-source.js';

let dir: string;
let source: Awaited<ReturnType<typeof createFolderImageSource>>;
let records: ReturnType<typeof captureLogger>['records'];
let brain: Awaited<ReturnType<typeof writeBrainMrSeries>>;

const REAL_FILES = ['CT_small.dcm', 'MR_small.dcm', 'image_dfl.dcm'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medfed-folder-'));
  brain = await writeBrainMrSeries({ dir, patient: 'PHANTOM-F1', contrast: 'T1c', slices: 4 });
  await writeChestXray({ dir, patient: 'PHANTOM-F2', size: 32 });
  await mkdir(join(dir, 'real'));
  for (const name of REAL_FILES) await copyFile(pydicomFile(name), join(dir, 'real', name));
  // Bad inputs, each of which must be skipped with a warning, never crash the index.
  await mkdir(join(dir, 'bad'));
  await writeFile(join(dir, 'bad', 'empty.dcm'), '');
  await writeFile(join(dir, 'bad', 'notes.txt'), 'not a dicom file\n'.repeat(20));
  await writeFile(
    join(dir, 'bad', 'random.bin'),
    Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
  );
  const phantom = await readFile(brain.files[0]!);
  await writeFile(join(dir, 'bad', 'cut-header.dcm'), phantom.subarray(0, 300));
  await writeFile(join(dir, 'bad', 'cut-pixels.dcm'), phantom.subarray(0, phantom.length - 100));
  await copyFile(pydicomFile('MR_truncated.dcm'), join(dir, 'bad', 'MR_truncated.dcm'));
  await copyFile(pydicomFile('rtplan.dcm'), join(dir, 'bad', 'rtplan.dcm'));
  await copyFile(brain.files[1]!, join(dir, 'bad', 'duplicate.dcm'));
  // The same instance as MR_small.dcm, re-encoded big-endian: a duplicate, not a second image.
  await copyFile(
    pydicomFile('MR_small_bigendian.dcm'),
    join(dir, 'real', 'MR_small_reencoded_bigendian.dcm'),
  );
  const captured = captureLogger();
  records = captured.records;
  source = await createFolderImageSource({
    root: dir,
    log: captured.log,
    pseudonyms: testDeidentifier,
  });
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('folder image source: indexing', () => {
  it('indexes phantoms and real files (explicit, deflated)', () => {
    expect(source.report.indexed).toBe(4 + 1 + REAL_FILES.length);
  });

  it('skips each malformed, non-DICOM, non-image, truncated or duplicate file with a warning', () => {
    const skipped = Object.fromEntries(source.report.skipped.map((s) => [s.file, s.reason]));
    expect(Object.keys(skipped).sort()).toEqual([
      'bad/MR_truncated.dcm',
      'bad/cut-header.dcm',
      'bad/cut-pixels.dcm',
      'bad/duplicate.dcm',
      'bad/empty.dcm',
      'bad/notes.txt',
      'bad/random.bin',
      'bad/rtplan.dcm',
      'real/MR_small_reencoded_bigendian.dcm',
    ]);
    expect(skipped['bad/rtplan.dcm']).toBe('not an image (no Rows/Columns)');
    expect(skipped['bad/MR_truncated.dcm']).toMatch(/^truncated: pixel data needs \d+ bytes/);
    expect(skipped['bad/cut-pixels.dcm']).toMatch(/^truncated/);
    expect(skipped['bad/duplicate.dcm']).toMatch(/^duplicate SOP instance/);
    const warnings = records.filter((r) => r.level === 40);
    expect(warnings.map((w) => w['file']).sort()).toEqual(Object.keys(skipped).sort());
  });

  it('never logs patient identity from the files', () => {
    const log = JSON.stringify(records);
    expect(log).not.toMatch(/PHANTOM\^|CompressedSamples|19700101/);
  });

  it('reads geometry and classifies real files', async () => {
    const { nodes } = await source.search({ modality: 'CT' }, { first: 10 });
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({
      type: 'CT',
      rows: 128,
      columns: 128,
      transferSyntaxUID: '1.2.840.10008.1.2.1',
    });
    expect(nodes[0]!.pixelSpacing).toEqual([0.661468, 0.661468]);
    const syntaxes = (await source.search({}, { first: 100 })).nodes.map(
      (n) => n.transferSyntaxUID,
    );
    expect(new Set(syntaxes)).toEqual(new Set(['1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99']));
  });
});

describe('folder image source: queries', () => {
  it('filters by modality, type, series and body part', async () => {
    const t1c = await source.search({ type: 'MRI_T1c' }, { first: 100 });
    expect(t1c.nodes).toHaveLength(4);
    expect(t1c.nodes.map((n) => n.instanceNumber)).toEqual([1, 2, 3, 4]);
    const series = await source.search(
      { seriesInstanceUID: testDeidentifier.uid(brain.seriesInstanceUID) },
      { first: 100 },
    );
    expect(series.totalCount).toBe(4);
    // Original UIDs never leave: filtering by one finds nothing.
    expect(
      (await source.search({ seriesInstanceUID: brain.seriesInstanceUID }, { first: 1 }))
        .totalCount,
    ).toBe(0);
    const chest = await source.search({ bodyPart: 'chest', modality: 'cr' }, { first: 100 });
    expect(chest.nodes.map((n) => n.type)).toEqual(['XRAY']);
  });

  it('pages with cursors: every image exactly once, in order', async () => {
    const all = (await source.search({}, { first: 1000 })).nodes.map((n) => n.id);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page = await source.search({}, { first: 3, after });
      seen.push(...page.nodes.map((n) => n.id));
      after = page.hasNextPage ? page.endCursor : null;
    } while (after);
    expect(seen).toEqual(all);
  });

  it('refuses a cursor it did not issue', async () => {
    await expect(source.search({}, { first: 3, after: 'garbage' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
  });

  it('finds compatible images per model requirement, with a limit', async () => {
    const [brainModel, anyMr, nothing] = await source.findCompatible(
      [
        { modality: 'MR', bodyPart: 'BRAIN', imageTypes: ['MRI_T1c'] },
        { modality: 'MR', bodyPart: null, imageTypes: [] },
        { modality: null, bodyPart: null, imageTypes: [] },
      ],
      2,
    );
    expect(brainModel!.map((i) => i.type)).toEqual(['MRI_T1c', 'MRI_T1c']);
    expect(anyMr).toHaveLength(2);
    expect(nothing).toEqual([]);
  });

  it('opens the file behind an id, and nothing for unknown ids', async () => {
    const { nodes } = await source.search({ type: 'XRAY' }, { first: 1 });
    const file = await source.open(nodes[0]!.id);
    expect(file!.sizeBytes).toBeGreaterThan(2048);
    expect((await text(file!.stream)).slice(128, 132)).toBe('DICM');
    expect(await source.open('img-unknown')).toBeUndefined();
  });
});
