/** What a classification run concluded for one image. */
export interface Prediction {
  /** Probability per label, in the model's label order. */
  readonly probabilities: Readonly<Record<string, number>>;
  /** The most probable label. */
  readonly predicted: string;
  readonly positiveLabel: string;
  /** Probability of the positive label × 100, rounded to one decimal. */
  readonly riskScore: number;
  /** low below `thresholds.low`, high at or above `thresholds.high`, intermediate between. */
  readonly riskBand: 'low' | 'intermediate' | 'high';
  readonly thresholds: { readonly low: number; readonly high: number };
}

/**
 * Classification post-processing on CPU: the model's outputs for one image (probabilities, or
 * logits, which are put through a softmax when they do not already sum to 1) → per-label
 * probabilities, the predicted label, a risk score (probability of the positive label, 0–100)
 * and a risk band from the pipeline's thresholds.
 */
export function postprocessClassification(
  scores: Float32Array,
  options: {
    labels: readonly string[];
    positiveLabel: string;
    thresholds: { low: number; high: number };
  },
): Prediction {
  const { labels, positiveLabel, thresholds } = options;
  if (scores.length !== labels.length)
    throw new Error(`the model gave ${scores.length} scores for ${labels.length} labels`);
  const positive = labels.indexOf(positiveLabel);
  if (positive < 0) throw new Error(`positive label "${positiveLabel}" is not one of the model's`);
  const values = Array.from(scores);
  const sum = values.reduce((a, b) => a + b, 0);
  const isDistribution = values.every((v) => v >= 0 && v <= 1) && Math.abs(sum - 1) < 1e-3;
  let probabilities = values;
  if (!isDistribution) {
    const max = Math.max(...values);
    const exp = values.map((v) => Math.exp(v - max));
    const total = exp.reduce((a, b) => a + b, 0);
    probabilities = exp.map((e) => e / total);
  }
  const best = probabilities.indexOf(Math.max(...probabilities));
  const p = probabilities[positive]!;
  return {
    probabilities: Object.fromEntries(labels.map((l, i) => [l, probabilities[i]!])),
    predicted: labels[best]!,
    positiveLabel,
    riskScore: Math.round(p * 1000) / 10,
    riskBand: p >= thresholds.high ? 'high' : p < thresholds.low ? 'low' : 'intermediate',
    thresholds,
  };
}
