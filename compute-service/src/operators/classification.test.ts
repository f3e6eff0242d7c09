import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '#common/logging/create-logger.js';
import { writeChestXray } from '#fixtures/dicom-phantoms.js';
import { createInferenceEngine } from '../inference/inference-engine.js';
import { buildChestOpacityClassifier, SIZE } from '../models/chest-opacity-classifier.js';
import { postprocessClassification } from './classification-postprocess.js';
import { preprocessSeries } from './dicom-preprocess.js';
import { inferVolume } from './onnx-inference.js';

const dir = mkdtempSync(join(tmpdir(), 'medfed-cls-'));
const engine = createInferenceEngine({ log: createLogger({ name: 'test', level: 'silent' }) });
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});
const options = {
  labels: ['no_opacity', 'opacity'],
  positiveLabel: 'opacity',
  thresholds: { low: 0.3, high: 0.7 },
};

describe('chest opacity classifier (designed ONNX model) through pre-processing and onnxruntime', () => {
  it('tells the phantom with an opacity from the clear one, at two image sizes', async () => {
    const model = buildChestOpacityClassifier();
    for (const size of [128, 256]) {
      const scores: Record<string, number> = {};
      for (const opacity of [true, false]) {
        const xray = await writeChestXray({
          dir,
          patient: `PHANTOM-C${size}${opacity ? 'O' : 'N'}`,
          size,
          opacity,
        });
        const volume = preprocessSeries(
          [{ name: 'cxr', bytes: new Uint8Array(readFileSync(xray.files[0]!)) }],
          undefined,
          { rows: SIZE, columns: SIZE },
        );
        expect([volume.rows, volume.columns]).toEqual([SIZE, SIZE]);
        // Spacing follows the resize: 350 mm field of view over 64 pixels.
        expect(volume.spacing[0]).toBeCloseTo(350 / SIZE, 5);
        const { logits } = await inferVolume(engine, model, volume, 1);
        const prediction = postprocessClassification(logits[0]!, options);
        scores[opacity ? 'opacity' : 'clear'] = prediction.probabilities['opacity']!;
      }
      expect(scores['opacity']).toBeGreaterThan(0.9);
      expect(scores['clear']).toBeLessThan(0.1);
    }
  });
});

describe('classification post-processing', () => {
  it('keeps probabilities that already sum to 1, and scores the positive label', () => {
    const p = postprocessClassification(new Float32Array([0.2, 0.8]), options);
    expect(p).toMatchObject({ predicted: 'opacity', riskScore: 80, riskBand: 'high' });
    expect(p.probabilities['no_opacity']).toBeCloseTo(0.2, 6);
  });

  it('turns logits into probabilities with a softmax', () => {
    const p = postprocessClassification(new Float32Array([2, 0]), options);
    expect(p.probabilities['opacity']).toBeCloseTo(1 / (1 + Math.exp(2)), 6);
    expect(p).toMatchObject({ predicted: 'no_opacity', riskBand: 'low' });
  });

  it('bands the risk by the thresholds (low below 0.3, high from 0.7)', () => {
    const band = (p: number) =>
      postprocessClassification(new Float32Array([1 - p, p]), options).riskBand;
    expect([band(0.29), band(0.31), band(0.69), band(0.71)]).toEqual([
      'low',
      'intermediate',
      'intermediate',
      'high',
    ]);
  });

  it('refuses scores that do not match the labels, or an unknown positive label', () => {
    expect(() => postprocessClassification(new Float32Array([1, 2, 3]), options)).toThrow(
      /3 scores for 2 labels/,
    );
    expect(() =>
      postprocessClassification(new Float32Array([0.5, 0.5]), {
        ...options,
        positiveLabel: 'nodule',
      }),
    ).toThrow(/"nodule" is not one of/);
  });
});
