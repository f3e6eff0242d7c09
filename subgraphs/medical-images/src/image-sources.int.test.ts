import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createLogger } from '#common/logging/create-logger.js';
import { startOrthanc } from '#common/testing/start-orthanc.js';
import { testDeidentifier } from '#common/testing/test-deidentifier.js';
import { writeDemoImageSet } from '#fixtures/dicom-phantoms.js';
import { createDicomwebImageSource } from './dicomweb-image-source.js';
import { createFolderImageSource } from './folder-image-source.js';
import { imageSourceContract } from './image-source.contract.js';

const log = createLogger({ name: 'test', level: 'silent' });
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function phantoms() {
  const dir = await mkdtemp(join(tmpdir(), 'medfed-sources-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return { dir, series: await writeDemoImageSet(dir) };
}

imageSourceContract('folder', async () => {
  const { dir, series } = await phantoms();
  return {
    source: await createFolderImageSource({ root: dir, log, pseudonyms: testDeidentifier }),
    series,
  };
});

imageSourceContract('DICOMweb (Orthanc)', async () => {
  const { series } = await phantoms();
  const orthanc = await startOrthanc();
  cleanups.push(() => orthanc.close());
  await orthanc.load(series.flatMap((s) => s.files));
  return {
    source: createDicomwebImageSource({ url: orthanc.dicomweb, log, pseudonyms: testDeidentifier }),
    series,
  };
});
