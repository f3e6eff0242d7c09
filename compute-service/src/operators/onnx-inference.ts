import type { InferenceEngine } from '../inference/inference-engine.js';
import type { Volume } from './dicom-preprocess.js';

/**
 * The inference stage for a 2-D network over a volume: slices go through the model in batches of
 * `batchSize` ([batch, 1, rows, columns] in; [batch, classes, rows, columns] out for segmentation,
 * [batch, classes] for classification), and the outputs come back one array per slice.
 */
export async function inferVolume(
  engine: InferenceEngine,
  model: { bytes: Uint8Array; sha256: string },
  volume: Pick<Volume, 'slices' | 'rows' | 'columns' | 'data'>,
  batchSize = 8,
): Promise<{ logits: Float32Array[]; classes: number; provider: string }> {
  const plane = volume.rows * volume.columns;
  const logits: Float32Array[] = [];
  let classes = 0;
  let provider: string = 'cpu';
  for (let start = 0; start < volume.slices; start += batchSize) {
    const count = Math.min(batchSize, volume.slices - start);
    const out = await engine.run(model.bytes, model.sha256, {
      data: volume.data.subarray(start * plane, (start + count) * plane),
      dims: [count, 1, volume.rows, volume.columns],
    });
    classes = out.dims[1]!;
    provider = out.provider;
    const per = out.dims.slice(1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < count; i++) logits.push(out.data.slice(i * per, (i + 1) * per));
  }
  return { logits, classes, provider };
}
