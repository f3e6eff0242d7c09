/**
 * DICOM RLE Lossless (PS3.5 Annex G): a frame is up to 15 PackBits segments, one per byte plane
 * (most significant byte first, sample by sample). Returns the segments, each `pixels` bytes.
 */
export function decodeRleFrame(frame: Uint8Array, pixels: number): Uint8Array[] {
  if (frame.length < 64) throw new Error('RLE frame shorter than its 64-byte header');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = view.getUint32(0, true);
  if (count < 1 || count > 15)
    throw new Error(`RLE header names ${count} segments (1 to 15 allowed)`);
  const offsets = Array.from({ length: count }, (_, i) => view.getUint32(4 + i * 4, true));
  return offsets.map((start, i) => {
    const end = i + 1 < count ? offsets[i + 1]! : frame.length;
    if (start < 64 || end > frame.length || start > end)
      throw new Error(`RLE segment ${i} lies outside the frame`);
    return unpackBits(frame.subarray(start, end), pixels);
  });
}

function unpackBits(input: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let i = 0;
  let o = 0;
  while (i < input.length && o < size) {
    const n = (input[i++]! << 24) >> 24; // as int8
    if (n >= 0) {
      const len = Math.min(n + 1, size - o, input.length - i);
      out.set(input.subarray(i, i + len), o);
      i += n + 1;
      o += len;
    } else if (n !== -128) {
      const len = Math.min(1 - n, size - o);
      out.fill(input[i++] ?? 0, o, o + len);
      o += len;
    }
  }
  if (o < size) throw new Error(`RLE segment decodes to ${o} bytes, ${size} expected`);
  return out;
}
