import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { overlayPng, slicePng } from './png-overlay.js';

describe('PNG overlays', () => {
  it('writes a slice as 8-bit grey, 0..1 → 0..255', () => {
    const plane = new Float32Array([0, 0.5, 1, 2]);
    const png = PNG.sync.read(Buffer.from(slicePng(plane, 2, 2)));
    expect([png.width, png.height]).toEqual([2, 2]);
    const grey = [0, 1, 2, 3].map((i) => png.data[i * 4]);
    expect(grey).toEqual([0, 128, 255, 255]);
  });

  it('fills labelled pixels translucently, draws their contour opaque, leaves the rest clear', () => {
    // A 5×5 slice with a 3×3 label block in the middle: its ring is contour, its centre is fill.
    const labels = new Uint8Array(25);
    for (const y of [1, 2, 3]) for (const x of [1, 2, 3]) labels[y * 5 + x] = 1;
    const png = PNG.sync.read(Buffer.from(overlayPng(labels, 5, 5, 100)));
    const pixel = (y: number, x: number) => [
      ...png.data.subarray((y * 5 + x) * 4, (y * 5 + x) * 4 + 4),
    ];
    expect(pixel(0, 0)[3]).toBe(0);
    expect(pixel(1, 1)).toEqual([255, 48, 48, 255]);
    expect(pixel(2, 2)).toEqual([255, 48, 48, 100]);
    expect(pixel(4, 4)[3]).toBe(0);
  });
});
