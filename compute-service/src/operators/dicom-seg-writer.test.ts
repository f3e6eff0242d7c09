import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, expect, it } from 'vitest';
import { createLogger } from '#common/logging/create-logger.js';
import { testDeidentifier } from '#common/testing/test-deidentifier.js';
import { writeBrainMrSeries } from '#fixtures/dicom-phantoms.js';
import { createInferenceEngine } from '../inference/inference-engine.js';
import { buildEnhancingLesionSegmenter } from '../models/enhancing-lesion-segmenter.js';
import { preprocessSeries } from './dicom-preprocess.js';
import { inferVolume } from './onnx-inference.js';
import { LESION_SEGMENT, writeDicomSeg } from './dicom-seg-writer.js';
import { postprocessSegmentation } from './segmentation-postprocess.js';

const dir = mkdtempSync(join(tmpdir(), 'medfed-seg-'));
const engine = createInferenceEngine({ log: createLogger({ name: 'test', level: 'silent' }) });
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

it('writes a binary DICOM SEG that independent readers (pydicom, dcmtk) read back exactly', async () => {
  const series = await writeBrainMrSeries({
    dir,
    patient: 'PHANTOM-SEG',
    contrast: 'T1c',
    lesion: true,
    slices: 12,
    size: 64,
  });
  // Sources as they arrive from the archive: de-identified.
  const sources = series.files.map((f) => testDeidentifier.file(new Uint8Array(readFileSync(f))));
  const volume = preprocessSeries(
    sources.map((bytes, i) => ({ name: `slice-${i}`, bytes })),
    { center: 800, width: 1200 },
  );
  const model = buildEnhancingLesionSegmenter();
  const plane = volume.rows * volume.columns;
  const { logits, classes } = await inferVolume(engine, model, volume, 5);
  const seg = postprocessSegmentation(logits, classes, volume);
  const ordered = volume.sopInstanceUIDs.map((uid) =>
    sources.find((s) => dicomParser.parseDicom(s).string('x00080018') === uid)!,
  );
  const bytes = writeDicomSeg({
    sources: ordered,
    labels: seg.labels,
    rows: volume.rows,
    columns: volume.columns,
    segments: [LESION_SEGMENT],
  });
  const file = join(dir, 'seg.dcm');
  writeFileSync(file, bytes);

  execFileSync('dcmdump', ['-q', file]); // dcmtk parses it without complaint (throws on error)
  const read = JSON.parse(
    execFileSync('/usr/bin/python3', [
      join(import.meta.dirname, 'dicom-seg-reader.py'),
      file,
    ]).toString(),
  ) as {
    sop_class: string;
    modality: string;
    segmentation_type: string;
    bits: number[];
    frames: number;
    segments: {
      number: number;
      label: string;
      category: string;
      type: string;
      algorithm_type: string;
    }[];
    sources: string[];
    positions: number[][];
    frame_sums: number[];
    study: string;
    frame_of_reference: string;
  };
  expect(read).toMatchObject({
    sop_class: '1.2.840.10008.5.1.4.1.1.66.4',
    modality: 'SEG',
    segmentation_type: 'BINARY',
    bits: [1, 1],
  });
  expect(read.segments).toEqual([
    {
      number: 1,
      label: 'Enhancing lesion',
      category: '49755003',
      type: '4147007',
      algorithm_type: 'AUTOMATIC',
    },
  ]);
  // Frames only where the lesion is, each referencing its source slice, pixels identical.
  const withLesion = [...Array(volume.slices).keys()].filter((z) =>
    seg.labels.subarray(z * plane, (z + 1) * plane).some((v) => v === 1),
  );
  expect(read.frames).toBe(withLesion.length);
  expect(read.sources).toEqual(withLesion.map((z) => volume.sopInstanceUIDs[z]));
  expect(read.frame_sums).toEqual(
    withLesion.map((z) =>
      seg.labels.subarray(z * plane, (z + 1) * plane).reduce((a, b) => a + b, 0),
    ),
  );
  const firstSource = dicomParser.parseDicom(ordered[0]!);
  expect(read.study).toBe(firstSource.string('x0020000d'));
  expect(read.frame_of_reference).toBe(firstSource.string('x00200052'));
  expect(read.positions[0]).toEqual(
    dicomParser.parseDicom(ordered[withLesion[0]!]!).string('x00200032')!.split('\\').map(Number),
  );
  // Nothing identifying came along: the SEG carries the sources' pseudonyms only.
  expect(Buffer.from(bytes).toString('latin1')).not.toMatch(/PHANTOM|19700101|ACC-/);
});
