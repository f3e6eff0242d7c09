import { PNG } from 'pngjs';

/** Overlay colours per label (RGB); label 1 red, then others. */
const COLOURS: readonly (readonly [number, number, number])[] = [
  [255, 48, 48],
  [48, 160, 255],
  [255, 208, 0],
  [0, 208, 96],
];

/** One normalised slice ([0, 1] values) as an 8-bit greyscale PNG. */
export function slicePng(plane: Float32Array, rows: number, columns: number): Uint8Array {
  const png = new PNG({ width: columns, height: rows, colorType: 0, inputColorType: 0 });
  const grey = Buffer.alloc(rows * columns);
  for (let i = 0; i < grey.length; i++)
    grey[i] = Math.round(Math.min(1, Math.max(0, plane[i]!)) * 255);
  png.data = grey;
  return new Uint8Array(
    PNG.sync.write(png, { colorType: 0, inputColorType: 0, deflateLevel: 3, filterType: 1 }),
  );
}

/**
 * One slice's labels as a transparent RGBA PNG to lay over the slice: each label's area filled at
 * `fillAlpha`, its contour (pixels with a 4-neighbour of another label) opaque. Pixels without a
 * label are fully transparent, so the viewer's opacity control scales the whole overlay.
 */
export function overlayPng(
  labels: Uint8Array,
  rows: number,
  columns: number,
  fillAlpha = 110,
): Uint8Array {
  const png = new PNG({ width: columns, height: rows });
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const i = y * columns + x;
      const label = labels[i]!;
      if (label === 0) continue;
      const differs = (yy: number, xx: number) =>
        yy < 0 || yy >= rows || xx < 0 || xx >= columns || labels[yy * columns + xx] !== label;
      const edge = differs(y - 1, x) || differs(y + 1, x) || differs(y, x - 1) || differs(y, x + 1);
      const [r, g, b] = COLOURS[(label - 1) % COLOURS.length]!;
      png.data[i * 4] = r;
      png.data[i * 4 + 1] = g;
      png.data[i * 4 + 2] = b;
      png.data[i * 4 + 3] = edge ? 255 : fillAlpha;
    }
  }
  return new Uint8Array(PNG.sync.write(png, { deflateLevel: 3, filterType: 1 }));
}
