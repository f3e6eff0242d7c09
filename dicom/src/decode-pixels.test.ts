import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pydicomFile } from '#common/testing/pydicom-corpus.js';
import { writeChestCtSeries } from '#fixtures/dicom-phantoms.js';
import { decodePixels, PixelDecodeError, rescaled } from './decode-pixels.js';

/**
 * Our decoder against reference decoders on real files: pydicom + numpy (Debian) for native,
 * RLE, deflated and baseline JPEG; dcmtk's dcmdjpeg (decompress, then pydicom) for lossless JPEG.
 */
const tmp = mkdtempSync(join(tmpdir(), 'medfed-decode-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function reference(path: string): { shape: number[]; values: number[] } {
  const out = execFileSync(
    '/usr/bin/python3',
    [join(import.meta.dirname, 'reference-decode.py'), path],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  ).toString();
  const result = JSON.parse(out) as { shape: number[]; values: number[]; error?: string };
  if (result.error) throw new Error(`reference decoder failed on ${path}: ${result.error}`);
  return result;
}

function ours(path: string) {
  const image = decodePixels(new Uint8Array(readFileSync(path)), { file: path });
  const values = image.frames.flatMap((frame) => Array.from(frame));
  return { image, values };
}

describe('decodePixels matches pydicom exactly on lossless data', () => {
  it.each([
    ['CT_small.dcm', 'explicit LE, signed 16-bit'],
    ['MR_small.dcm', 'explicit LE'],
    ['MR_small_implicit.dcm', 'implicit LE'],
    ['MR_small_bigendian.dcm', 'explicit big endian'],
    ['MR_small_expb.dcm', 'explicit big endian'],
    ['MR_small_RLE.dcm', 'RLE, 16-bit'],
    ['SC_rgb_rle.dcm', 'RLE, RGB 8-bit'],
    ['SC_rgb_rle_16bit_2frame.dcm', 'RLE, RGB 16-bit, 2 frames'],
    ['SC_rgb_rle_32bit.dcm', 'RLE, RGB 32-bit'],
    ['rtdose.dcm', 'implicit LE, 32-bit, 15 frames'],
    ['rtdose_expb.dcm', 'big endian, 32-bit, 15 frames'],
    ['rtdose_rle.dcm', 'RLE, 32-bit, 15 frames'],
    ['image_dfl.dcm', 'deflated'],
    ['liver_1frame.dcm', '1-bit'],
    ['SC_rgb_small_odd.dcm', 'RGB, odd size'],
    ['SC_ybr_full_422_uncompressed.dcm', 'YBR_FULL_422 native'],
    ['ExplVR_BigEnd.dcm', 'big endian RGB 8-bit'],
  ])('%s (%s)', (name) => {
    const path = pydicomFile(name);
    const expected = reference(path);
    const { values } = ours(path);
    expect(values.length).toBe(expected.values.length);
    expect(values).toEqual(expected.values);
  });
});

describe('decodePixels on compressed JPEG', () => {
  it('JPEG Lossless (process 14 SV1) matches dcmtk exactly', () => {
    const path = pydicomFile('SC_rgb_jpeg_gdcm.dcm');
    const decompressed = join(tmp, 'lossless-reference.dcm');
    execFileSync('dcmdjpeg', [path, decompressed]);
    const expected = reference(decompressed);
    const { values, image } = ours(path);
    expect(image.samplesPerPixel).toBe(3);
    expect(values).toEqual(expected.values);
  });

  it.each(['SC_rgb_jpeg_dcmtk.dcm', 'SC_rgb_dcmtk_+eb+cy+np.dcm', 'SC_rgb_small_odd_jpeg.dcm'])(
    // Lossy decoders differ in IDCT rounding and, for 4:2:2 files, in how they upsample chroma
    // (jpeg-js replicates, libjpeg interpolates): colour edges differ by tens of levels in a
    // one-pixel band. Luma is not subsampled, so it must agree closely; a wrong decode (e.g. a
    // missing colour transform) is off by 50-90 everywhere.
    'JPEG Baseline %s agrees with pydicom/Pillow: luma within rounding, RGB on average',
    (name) => {
      const path = pydicomFile(name);
      const expected = reference(path);
      const { values, image } = ours(path);
      expect(image.photometricInterpretation).toBe('RGB');
      expect(values.length).toBe(expected.values.length);
      const luma = (v: number[], i: number) =>
        0.299 * v[i]! + 0.587 * v[i + 1]! + 0.114 * v[i + 2]!;
      const lumaDiffs: number[] = [];
      let rgbSum = 0;
      for (let i = 0; i < values.length; i += 3) {
        lumaDiffs.push(Math.abs(luma(values, i) - luma(expected.values, i)));
        for (let c = 0; c < 3; c++) rgbSum += Math.abs(values[i + c]! - expected.values[i + c]!);
      }
      lumaDiffs.sort((a, b) => a - b);
      // ≤ 8: RGB clamping of saturated colour bars leaks a little chroma into recomputed luma.
      expect(lumaDiffs[Math.floor(lumaDiffs.length * 0.99)]).toBeLessThanOrEqual(8);
      expect(rgbSum / values.length).toBeLessThan(3);
    },
  );
});

describe('decodePixels refuses what it cannot decode, precisely', () => {
  it.each([
    [
      'JPEG2000.dcm',
      'UNSUPPORTED_TRANSFER_SYNTAX',
      /unsupported transfer syntax: JPEG 2000 \(1\.2\.840\.10008\.1\.2\.4\.91\)/,
    ],
    ['MR_small_jp2klossless.dcm', 'UNSUPPORTED_TRANSFER_SYNTAX', /JPEG 2000 Lossless Only/],
    ['MR_small_jpeg_ls_lossless.dcm', 'UNSUPPORTED_TRANSFER_SYNTAX', /JPEG-LS Lossless/],
    ['JPGExtended.dcm', 'UNSUPPORTED_TRANSFER_SYNTAX', /12-bit JPEG Extended/],
    ['MR_truncated.dcm', 'TRUNCATED', /truncated: the file ends inside its data/],
    ['rtplan.dcm', 'NO_PIXEL_DATA', /no Pixel Data/],
    ['badVR.dcm', 'MALFORMED', /invalid Number of Frames \(0028,0008\): "1A"/],
    ['rtplan_truncated.dcm', 'TRUNCATED', /truncated/],
  ])('%s → %s', (name, code, message) => {
    const path = pydicomFile(name);
    let error: unknown;
    try {
      decodePixels(new Uint8Array(readFileSync(path)), { file: name });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PixelDecodeError);
    expect((error as PixelDecodeError).code).toBe(code);
    expect((error as PixelDecodeError).message).toMatch(
      new RegExp(`^${name.replace('.', '\\.')}: `),
    );
    expect((error as PixelDecodeError).message).toMatch(message);
  });

  it('refuses bytes that are not DICOM, and frames that do not exist', () => {
    expect(() =>
      decodePixels(new TextEncoder().encode('x'.repeat(300)), { file: 'notes.txt' }),
    ).toThrow(PixelDecodeError);
    const bytes = new Uint8Array(readFileSync(pydicomFile('CT_small.dcm')));
    expect(() => decodePixels(bytes, { frames: [1] })).toThrow(/frame 1 out of range/);
  });
});

describe('modality values', () => {
  it('applies rescale slope/intercept: the CT phantom reads in Hounsfield units', async () => {
    const [file] = (
      await writeChestCtSeries({ dir: tmp, patient: 'PHANTOM-HU', slices: 1, size: 32 })
    ).files;
    const image = decodePixels(new Uint8Array(readFileSync(file!)));
    const hu = rescaled(image);
    expect(image.rescaleIntercept).toBe(-1024);
    expect(hu[0]).toBe(-1000); // air in the corner
    expect(Math.max(...hu)).toBe(700); // the spine
    expect(hu.some((v) => v === -850)).toBe(true); // lungs
  });
});
