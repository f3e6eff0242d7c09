import { encodeModel, int, ints, node, tensor, valueInfo } from './onnx-graph.js';

/**
 * A deliberately simple segmentation network, with designed (not trained) weights, written as a
 * real ONNX graph. What it detects, honestly: pixels whose 3×3-smoothed, [0,1]-normalised
 * intensity exceeds THRESHOLD. On post-contrast T1 brain MR that is contrast-enhancing tissue — in
 * medfed's phantoms, the tumour. It is not a clinical model; it exists so the pipeline runs a real
 * network through onnxruntime on real DICOM, and so its output can be checked exactly.
 *
 * Graph: input [N,1,H,W] → Conv(3×3, all weights 1/9, pad 1) → Sub(THRESHOLD) → Mul(GAIN)
 * → Concat(channel: [−z, z]) → output logits [N,2,H,W]; class 0 background, class 1 enhancing.
 */
export const THRESHOLD = 0.75;
export const GAIN = 20;
export const LABELS = ['background', 'enhancing_lesion'] as const;

export function buildEnhancingLesionSegmenter() {
  return encodeModel({
    name: 'enhancing_lesion_segmenter',
    doc: 'Thresholded 3x3 mean of normalised T1c intensity; designed weights, not trained. Not for clinical use.',
    inputs: [valueInfo('image', ['batch', 1, 'height', 'width'])],
    outputs: [valueInfo('logits', ['batch', 2, 'height', 'width'])],
    initializers: [
      tensor('mean_kernel', [1, 1, 3, 3], new Array<number>(9).fill(1 / 9)),
      tensor('threshold', [1], [THRESHOLD]),
      tensor('gain', [1], [GAIN]),
    ],
    nodes: [
      node(
        'Conv',
        ['image', 'mean_kernel'],
        ['smoothed'],
        [ints('pads', [1, 1, 1, 1]), ints('kernel_shape', [3, 3])],
      ),
      node('Sub', ['smoothed', 'threshold'], ['centred']),
      node('Mul', ['centred', 'gain'], ['z']),
      node('Neg', ['z'], ['minus_z']),
      node('Concat', ['minus_z', 'z'], ['logits'], [int('axis', 1)]),
    ],
    metadata: {
      labels: LABELS.join(','),
      threshold: String(THRESHOLD),
      task: 'SEGMENTATION',
      modality: 'MR',
      imageTypes: 'MRI_T1c',
    },
  });
}
