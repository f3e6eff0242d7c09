import type { Volume } from './dicom-preprocess.js';

export interface Component {
  readonly label: number;
  readonly voxels: number;
  /** Voxels × row spacing × column spacing × slice spacing. */
  readonly volumeMm3: number;
  /** Centroid in voxel coordinates [slice, row, column]. */
  readonly centroid: readonly [number, number, number];
  readonly bbox: {
    readonly min: readonly [number, number, number];
    readonly max: readonly [number, number, number];
  };
}

export interface Segmentation {
  /** Class index per voxel (argmax over the logits), slices × rows × columns. */
  readonly labels: Uint8Array;
  readonly components: readonly Component[];
  /** Per class > 0: total voxels and volume. */
  readonly totals: readonly { label: number; voxels: number; volumeMm3: number }[];
  /** Per slice, the boundary pixels of the foreground ([row, column] pairs), for drawing contours. */
  readonly contours: readonly (readonly [number, number][])[];
}

/**
 * Segmentation post-processing on CPU: logits per slice ([slices][classes × rows × columns]) →
 * class map (argmax) → 3-D connected components (6-connectivity) per class → volumes in mm³ from
 * the volume's spacing → per-slice contours (foreground pixels with a background 4-neighbour).
 */
export function postprocessSegmentation(
  logits: readonly Float32Array[],
  classes: number,
  volume: Pick<Volume, 'slices' | 'rows' | 'columns' | 'spacing'>,
): Segmentation {
  const { slices, rows, columns, spacing } = volume;
  const plane = rows * columns;
  if (logits.length !== slices)
    throw new Error(`${logits.length} logit slices for a volume of ${slices}`);
  const labels = new Uint8Array(slices * plane);
  logits.forEach((slice, z) => {
    if (slice.length !== classes * plane)
      throw new Error(`slice ${z}: ${slice.length} logits, expected ${classes * plane}`);
    for (let i = 0; i < plane; i++) {
      let best = 0;
      for (let c = 1; c < classes; c++)
        if (slice[c * plane + i]! > slice[best * plane + i]!) best = c;
      labels[z * plane + i] = best;
    }
  });

  const voxelMm3 = spacing[0] * spacing[1] * spacing[2];
  const seen = new Uint8Array(labels.length);
  const components: Component[] = [];
  const stack: number[] = [];
  for (let start = 0; start < labels.length; start++) {
    const label = labels[start]!;
    if (label === 0 || seen[start]) continue;
    let voxels = 0;
    const sum = [0, 0, 0];
    const min = [Infinity, Infinity, Infinity];
    const max = [-Infinity, -Infinity, -Infinity];
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const v = stack.pop()!;
      const z = Math.floor(v / plane);
      const y = Math.floor((v % plane) / columns);
      const x = v % columns;
      voxels++;
      [z, y, x].forEach((c, k) => {
        sum[k]! += c;
        min[k] = Math.min(min[k]!, c);
        max[k] = Math.max(max[k]!, c);
      });
      const neighbours = [
        z > 0 ? v - plane : -1,
        z < slices - 1 ? v + plane : -1,
        y > 0 ? v - columns : -1,
        y < rows - 1 ? v + columns : -1,
        x > 0 ? v - 1 : -1,
        x < columns - 1 ? v + 1 : -1,
      ];
      for (const n of neighbours) {
        if (n >= 0 && !seen[n] && labels[n] === label) {
          seen[n] = 1;
          stack.push(n);
        }
      }
    }
    components.push({
      label,
      voxels,
      volumeMm3: voxels * voxelMm3,
      centroid: [sum[0]! / voxels, sum[1]! / voxels, sum[2]! / voxels],
      bbox: { min: [min[0]!, min[1]!, min[2]!], max: [max[0]!, max[1]!, max[2]!] },
    });
  }
  components.sort((a, b) => b.voxels - a.voxels);

  const totals = [...new Set(components.map((c) => c.label))].sort().map((label) => {
    const voxels = components.filter((c) => c.label === label).reduce((n, c) => n + c.voxels, 0);
    return { label, voxels, volumeMm3: voxels * voxelMm3 };
  });

  const contours = Array.from({ length: slices }, (_, z) => {
    const edge: [number, number][] = [];
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        const v = z * plane + y * columns + x;
        if (labels[v] === 0) continue;
        const outside = (yy: number, xx: number) =>
          yy < 0 ||
          yy >= rows ||
          xx < 0 ||
          xx >= columns ||
          labels[z * plane + yy * columns + xx] === 0;
        if (outside(y - 1, x) || outside(y + 1, x) || outside(y, x - 1) || outside(y, x + 1))
          edge.push([y, x]);
      }
    }
    return edge;
  });
  return { labels, components, totals, contours };
}
