import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '#common/logging/create-logger.js';
import { writeBrainMrSeries } from '#fixtures/dicom-phantoms.js';
import { createInferenceEngine } from '../inference/inference-engine.js';
import { buildEnhancingLesionSegmenter } from '../models/enhancing-lesion-segmenter.js';
import { preprocessSeries } from './dicom-preprocess.js';
import { inferVolume } from './onnx-inference.js';
import { postprocessSegmentation } from './segmentation-postprocess.js';

const dir = mkdtempSync(join(tmpdir(), 'medfed-ops-'));
const engine = createInferenceEngine({ log: createLogger({ name: 'test', level: 'silent' }) });
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});
const WINDOW = { center: 800, width: 1200 };

describe('dicom-preprocess', () => {
  it('orders slices by position (not file order), windows and normalises, with geometry', async () => {
    const series = await writeBrainMrSeries({
      dir,
      patient: 'PHANTOM-PRE',
      contrast: 'T1c',
      lesion: true,
      slices: 6,
      size: 32,
    });
    const files = [...series.files]
      .reverse()
      .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(f)) }));
    const volume = preprocessSeries(files, WINDOW);
    expect([volume.slices, volume.rows, volume.columns]).toEqual([6, 32, 32]);
    expect(volume.spacing).toEqual([7.5, 7.5, 5]);
    expect(volume.sopInstanceUIDs).toEqual(series.sopInstanceUIDs);
    expect(Math.min(...volume.data)).toBe(0);
    expect(Math.max(...volume.data)).toBe(1); // the enhancing lesion saturates the window
  });

  it('refuses a series whose images differ in size', async () => {
    const a = await writeBrainMrSeries({
      dir: join(dir, 'a'),
      patient: 'PHANTOM-A',
      contrast: 'T1c',
      slices: 1,
      size: 16,
    });
    const b = await writeBrainMrSeries({
      dir: join(dir, 'b'),
      patient: 'PHANTOM-B',
      contrast: 'T1c',
      slices: 1,
      size: 8,
    });
    const files = [...a.files, ...b.files].map((f) => ({
      name: f,
      bytes: new Uint8Array(readFileSync(f)),
    }));
    expect(() => preprocessSeries(files, WINDOW)).toThrow(/differs from the series/);
  });
});

describe('segmentation-postprocess', () => {
  it('finds 3-D components and measures them in mm³', () => {
    const volume = { slices: 2, rows: 4, columns: 4, spacing: [0.5, 0.5, 2] as const };
    const plane = 16;
    const foreground = new Set([0, 1, 4, 5, plane + 0, 15]); // a 5-voxel blob across slices, and a lone voxel
    const logits = [0, 1].map((z) => {
      const slice = new Float32Array(2 * plane);
      for (let i = 0; i < plane; i++) slice[plane + i] = foreground.has(z * plane + i) ? 1 : -1;
      return slice;
    });
    const result = postprocessSegmentation(logits, 2, volume);
    expect(result.components.map((c) => [c.voxels, c.volumeMm3])).toEqual([
      [5, 2.5],
      [1, 0.5],
    ]);
    expect(result.components[0]!.bbox).toEqual({ min: [0, 0, 0], max: [1, 1, 1] });
    expect(result.totals).toEqual([{ label: 1, voxels: 6, volumeMm3: 3 }]);
    expect(result.contours[0]!.length).toBe(5);
  });

  it('pre-process → ONNX inference → post-process measures the phantom tumour plausibly', async () => {
    const series = await writeBrainMrSeries({
      dir: join(dir, 'full'),
      patient: 'PHANTOM-VOL',
      contrast: 'T1c',
      lesion: true,
      slices: 12,
      size: 64,
    });
    const volume = preprocessSeries(
      series.files.map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(f)) })),
      WINDOW,
    );
    const model = buildEnhancingLesionSegmenter();
    const { logits, classes } = await inferVolume(engine, model, volume, 5);
    const result = postprocessSegmentation(logits, classes, volume);
    expect(result.components).toHaveLength(1);
    console.log(
      `phantom lesion: measured ${result.components[0]!.volumeMm3.toFixed(0)} mm³, analytic ellipsoid ${((4 / 3) * Math.PI * 20.2 * 23.0 * 13.5).toFixed(0)} mm³`,
    );
    // The phantom's lesion is an ellipsoid with semi-axes ≈ 20.2 × 23.0 × 13.5 mm (≈ 26 300 mm³);
    // smoothing and 5 mm slices make the measured volume smaller, but the same order of size.
    const expected = (4 / 3) * Math.PI * 20.2 * 23.0 * 13.5;
    expect(result.components[0]!.volumeMm3).toBeGreaterThan(expected * 0.7);
    expect(result.components[0]!.volumeMm3).toBeLessThan(expected * 1.1);
  });
});
