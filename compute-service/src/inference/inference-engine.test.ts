import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '#common/logging/create-logger.js';
import { writeBrainMrSeries } from '#fixtures/dicom-phantoms.js';
import { decodePixels, rescaled } from '../../../dicom/src/decode-pixels.js';
import { buildEnhancingLesionSegmenter, THRESHOLD } from '../models/enhancing-lesion-segmenter.js';
import { createInferenceEngine, ModelChecksumError } from './inference-engine.js';

const dir = mkdtempSync(join(tmpdir(), 'medfed-infer-'));
const engine = createInferenceEngine({ log: createLogger({ name: 'test', level: 'silent' }) });
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Fixed window [200, 1400] → [0, 1], as the pipeline's pre-processing does for T1c. */
function normalise(values: Float32Array): Float32Array {
  return values.map((v) => Math.min(1, Math.max(0, (v - 200) / 1200)));
}

/** The same computation in plain TypeScript: 3×3 mean (zero padding) > THRESHOLD. */
function referenceMask(x: Float32Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let c = 0; c < w; c++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = c + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w) sum += x[yy * w + xx]!;
        }
      out[y * w + c] = sum / 9 > THRESHOLD ? 1 : 0;
    }
  }
  return out;
}

describe('inference engine (onnxruntime-node)', () => {
  const model = buildEnhancingLesionSegmenter();

  it('segments the enhancing lesion of a T1c phantom exactly as the reference computation', async () => {
    const series = await writeBrainMrSeries({
      dir,
      patient: 'PHANTOM-INF',
      contrast: 'T1c',
      lesion: true,
      slices: 12,
    });
    let lesionPixels = 0;
    for (const file of series.files) {
      const image = decodePixels(new Uint8Array(readFileSync(file)));
      const input = normalise(rescaled(image));
      const out = await engine.run(model.bytes, model.sha256, {
        data: input,
        dims: [1, 1, image.rows, image.columns],
      });
      expect(out.dims).toEqual([1, 2, image.rows, image.columns]);
      const n = image.rows * image.columns;
      const mask = Uint8Array.from({ length: n }, (_, i) =>
        out.data[n + i]! > out.data[i]! ? 1 : 0,
      );
      expect(mask).toEqual(referenceMask(input, image.columns, image.rows));
      lesionPixels += mask.reduce((a, b) => a + b, 0);
    }
    expect(lesionPixels).toBeGreaterThan(50); // the phantom's tumour is found…
    const healthy = await writeBrainMrSeries({
      dir,
      patient: 'PHANTOM-INF2',
      contrast: 'T1c',
      lesion: false,
      slices: 3,
    });
    for (const file of healthy.files) {
      const image = decodePixels(new Uint8Array(readFileSync(file)));
      const out = await engine.run(model.bytes, model.sha256, {
        data: normalise(rescaled(image)),
        dims: [1, 1, image.rows, image.columns],
      });
      const n = image.rows * image.columns;
      expect(
        Array.from({ length: n }, (_, i) => out.data[n + i]! > out.data[i]!).filter(Boolean),
      ).toHaveLength(0); // …and nothing in a healthy brain
    }
  });

  it('keeps one warm session per model version and reports its provider', async () => {
    const a = await engine.session(model.bytes, model.sha256);
    const b = await engine.session(model.bytes, model.sha256);
    expect(a).toBe(b);
    expect(['cuda', 'cpu']).toContain(a.provider);
  });

  it('refuses a model whose bytes do not match the expected checksum', async () => {
    const tampered = model.bytes.slice();
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0xff;
    await expect(engine.session(tampered, 'f'.repeat(64))).rejects.toBeInstanceOf(
      ModelChecksumError,
    );
  });
});
