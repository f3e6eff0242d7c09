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
 */
export function preprocessSeries(
  files: readonly { name: string; bytes: Uint8Array }[],
  window: Window,
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
  const low = window.center - window.width / 2;
  const data = new Float32Array(slices.length * rows * columns);
  slices.forEach((s, z) => {
    const values = rescaled(s.image);
    for (let i = 0; i < values.length; i++) {
      data[z * rows * columns + i] = Math.min(1, Math.max(0, (values[i]! - low) / window.width));
    }
  });
  return {
    slices: slices.length,
    rows,
    columns,
    spacing: [slices[0]!.spacing[0]!, slices[0]!.spacing[1]!, sliceSpacing],
    sopInstanceUIDs: slices.map((s) => s.sop),
    data,
  };
}
