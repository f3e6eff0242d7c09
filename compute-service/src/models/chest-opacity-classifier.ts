import { encodeModel, int, ints, node, tensor, valueInfo } from './onnx-graph.js';

/**
 * A deliberately simple chest-radiograph classifier, with designed (not trained) weights, written
 * as a real ONNX graph. What it detects, honestly: the fraction of two fixed, expected lung fields
 * (ellipses in a frontal radiograph resized to SIZE×SIZE and normalised to [0,1] by its DICOM
 * window) that is dense (above DENSE). Lungs are dark, so dense lung field suggests an opacity. It
 * has no notion of anatomy beyond the fixed prior; it is not a clinical model. It exists so the
 * classification pipeline runs a real network, and so its output can be checked by hand.
 *
 * Graph: image [N,1,SIZE,SIZE] → Sub(DENSE) → Mul(SHARPNESS) → Sigmoid (soft "dense" mask)
 * → Mul(lung prior) → ReduceMean(H,W) → Mul(1 / prior mean) = dense fraction of the lung fields
 * → Sub(CUT) → Mul(GAIN) = z → Concat([−z, z]) → Softmax → probabilities [N,2]
 * (class 0 no_opacity, class 1 opacity).
 */
export const SIZE = 64;
export const DENSE = 0.55;
export const SHARPNESS = 60;
export const CUT = 0.01;
export const GAIN = 400;
export const LABELS = ['no_opacity', 'opacity'] as const;

/** The lung-field prior: two vertical ellipses, shrunk from the usual lung outline. */
export function lungPrior(size = SIZE): number[] {
  const prior: number[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const xn = ((x + 0.5) / size) * 2 - 1;
      const yn = ((y + 0.5) / size) * 2 - 1;
      const inside = [-0.42, 0.42].some(
        (side) => ((xn - side) / 0.25) ** 2 + ((yn + 0.05) / 0.55) ** 2 < 1,
      );
      prior.push(inside ? 1 : 0);
    }
  }
  return prior;
}

export function buildChestOpacityClassifier() {
  const prior = lungPrior();
  const priorMean = prior.reduce((a, b) => a + b, 0) / prior.length;
  return encodeModel({
    name: 'chest_opacity_classifier',
    doc: 'Dense fraction of fixed lung-field priors in a normalised frontal chest radiograph; designed weights, not trained. Not for clinical use.',
    inputs: [valueInfo('image', ['batch', 1, SIZE, SIZE])],
    outputs: [valueInfo('probabilities', ['batch', 2])],
    initializers: [
      tensor('dense', [1], [DENSE]),
      tensor('sharpness', [1], [SHARPNESS]),
      tensor('lung_prior', [1, 1, SIZE, SIZE], prior),
      tensor('inverse_prior_mean', [1], [1 / priorMean]),
      tensor('cut', [1], [CUT]),
      tensor('gain', [1], [GAIN]),
    ],
    nodes: [
      node('Sub', ['image', 'dense'], ['centred']),
      node('Mul', ['centred', 'sharpness'], ['sharpened']),
      node('Sigmoid', ['sharpened'], ['dense_mask']),
      node('Mul', ['dense_mask', 'lung_prior'], ['dense_lung']),
      node(
        'ReduceMean',
        ['dense_lung'],
        ['mean_dense'],
        [ints('axes', [2, 3]), int('keepdims', 0)],
      ),
      node('Mul', ['mean_dense', 'inverse_prior_mean'], ['dense_fraction']),
      node('Sub', ['dense_fraction', 'cut'], ['above_cut']),
      node('Mul', ['above_cut', 'gain'], ['z']),
      node('Neg', ['z'], ['minus_z']),
      node('Concat', ['minus_z', 'z'], ['logits'], [int('axis', 1)]),
      node('Softmax', ['logits'], ['probabilities'], [int('axis', 1)]),
    ],
    metadata: {
      labels: LABELS.join(','),
      task: 'CLASSIFICATION',
      modality: 'CR',
      imageTypes: 'XRAY',
      inputSize: String(SIZE),
    },
  });
}
