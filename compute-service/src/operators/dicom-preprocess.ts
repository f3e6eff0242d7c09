import dicomParser from 'dicom-parser';
import { decodePixels, rescaled } from '../../../dicom/src/decode-pixels.js';

/** A normalised image volume: slices × rows × columns, values in [0, 1], with its geometry. */
export interface Volume {
  readonly slices: number;
  readonly rows: number;
  readonly columns: number;
  /** Row spacing, column spacing, slice spacing, in mm. */
  readonly spacing: readonly [number, number, number];
  /** SOP Instance UID of each slice, in volume order (for DICOM SEG references). */
  readonly sopInstanceUIDs: readonly string[];
  readonly data: Float32Array;
}

export interface Window {
  readonly center: number;
  readonly width: number;
}

/**
 * CPU pre-processing of one series: decode every file (the shared decoder), order the slices along
 * the slice normal (Image Position/Orientation; Instance Number as fallback), apply the modality
 * LUT (rescale), window to [center − width/2, center + width/2] and normalise to [0, 1]. Slice
 * spacing comes from the positions, else from Slice Thickness. Files must share rows × columns.
 * Without a window, each file's own (Window Center/Width) is used, else its value range. With
 * `resize`, each slice is resampled bilinearly to rows × columns (spacing scaled to match).
 */
export function preprocessSeries(
  files: readonly { name: string; bytes: Uint8Array }[],
  window?: Window,
  resize?: { readonly rows: number; readonly columns: number },
): Volume {
  if (files.length === 0) throw new Error('no images to pre-process');
  const slices = files.map(({ name, bytes }) => {
    const image = decodePixels(bytes, { file: name, frames: [0] });
    const header = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
    const numbers = (tag: string) => header.string(tag)?.split('\\').map(Number);
    const position = numbers('x00200032');
    const orientation = numbers('x00200037');
    const normal =
      orientation?.length === 6
        ? [
            orientation[1]! * orientation[5]! - orientation[2]! * orientation[4]!,
            orientation[2]! * orientation[3]! - orientation[0]! * orientation[5]!,
            orientation[0]! * orientation[4]! - orientation[1]! * orientation[3]!,
          ]
        : [0, 0, 1];
    const along =
      position?.length === 3
        ? position[0]! * normal[0]! + position[1]! * normal[1]! + position[2]! * normal[2]!
        : null;
    return {
      name,
      image,
      along,
      instance: Number(header.string('x00200013') ?? 0),
      sop: header.string('x00080018') ?? '',
      spacing: numbers('x00280030') ?? [1, 1],
      thickness: Number(header.string('x00180050') ?? 1),
      window:
        numbers('x00281050')?.[0] !== undefined && numbers('x00281051')?.[0]
          ? { center: numbers('x00281050')![0]!, width: numbers('x00281051')![0]! }
          : undefined,
    };
  });
  const { rows, columns } = slices[0]!.image;
  for (const s of slices) {
    if (s.image.rows !== rows || s.image.columns !== columns) {
      throw new Error(
        `${s.name}: ${s.image.columns}×${s.image.rows} differs from the series' ${columns}×${rows}`,
      );
    }
  }
  const byPosition = slices.every((s) => s.along !== null);
  slices.sort((a, b) => (byPosition ? a.along! - b.along! : a.instance - b.instance));
  const gaps = byPosition
    ? slices.slice(1).map((s, i) => Math.abs(s.along! - slices[i]!.along!))
    : [];
  const sliceSpacing = gaps.length
    ? gaps.reduce((a, b) => a + b, 0) / gaps.length
    : slices[0]!.thickness;
  const outRows = resize?.rows ?? rows;
  const outColumns = resize?.columns ?? columns;
  const data = new Float32Array(slices.length * outRows * outColumns);
  slices.forEach((s, z) => {
    const values = rescaled(s.image);
    const w = window ?? s.window ?? rangeOf(values);
    const low = w.center - w.width / 2;
    const plane = new Float32Array(rows * columns);
    for (let i = 0; i < plane.length; i++) {
      plane[i] = Math.min(1, Math.max(0, (values[i]! - low) / w.width));
    }
    data.set(
      resize ? resample(plane, rows, columns, outRows, outColumns) : plane,
      z * outRows * outColumns,
    );
  });
  return {
    slices: slices.length,
    rows: outRows,
    columns: outColumns,
    spacing: [
      (slices[0]!.spacing[0]! * rows) / outRows,
      (slices[0]!.spacing[1]! * columns) / outColumns,
      sliceSpacing,
    ],
    sopInstanceUIDs: slices.map((s) => s.sop),
    data,
  };
}

function rangeOf(values: ArrayLike<number>): Window {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  return { center: (min + max) / 2, width: Math.max(1, max - min) };
}

/** Bilinear resampling of one plane (pixel centres aligned, as image resizers do). */
export function resample(
  plane: Float32Array,
  rows: number,
  columns: number,
  outRows: number,
  outColumns: number,
): Float32Array {
  const out = new Float32Array(outRows * outColumns);
  for (let y = 0; y < outRows; y++) {
    const sy = Math.min(rows - 1, Math.max(0, ((y + 0.5) * rows) / outRows - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(rows - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < outColumns; x++) {
      const sx = Math.min(columns - 1, Math.max(0, ((x + 0.5) * columns) / outColumns - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(columns - 1, x0 + 1);
      const fx = sx - x0;
      const top = plane[y0 * columns + x0]! * (1 - fx) + plane[y0 * columns + x1]! * fx;
      const bottom = plane[y1 * columns + x0]! * (1 - fx) + plane[y1 * columns + x1]! * fx;
      out[y * outColumns + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}
