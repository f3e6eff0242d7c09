import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { decode as decodeJpeg } from 'jpeg-js';
import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import { decodeRleFrame } from './rle.js';
import { TRANSFER_SYNTAXES, transferSyntaxName } from './transfer-syntax.js';

/** Decoded pixel data: stored values (before the modality LUT), samples interleaved, per frame. */
export interface DecodedImage {
  readonly transferSyntaxUID: string;
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly numberOfFrames: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly signed: boolean;
  /** Photometric interpretation of the values returned (JPEG colour is returned as RGB). */
  readonly photometricInterpretation: string;
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  /** One array per requested frame: Int32Array, or Float64Array for unsigned 32-bit data. */
  readonly frames: readonly (Int32Array | Float64Array)[];
}

export type PixelDecodeErrorCode =
  'UNSUPPORTED_TRANSFER_SYNTAX' | 'TRUNCATED' | 'MALFORMED' | 'NO_PIXEL_DATA';

/** Why pixels could not be decoded, naming the file; never garbage pixels instead. */
export class PixelDecodeError extends Error {
  constructor(
    readonly code: PixelDecodeErrorCode,
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'PixelDecodeError';
  }
}

const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const IMPLICIT_LE = '1.2.840.10008.1.2';

/**
 * Decodes the pixel data of a Part 10 DICOM file (or a bare implicit-VR dataset). The one decoder
 * used by the compute pipeline and by rendering. `frames` picks frames (default all).
 */
export function decodePixels(
  bytes: Uint8Array,
  options: { file?: string; frames?: readonly number[] } = {},
): DecodedImage {
  const file = options.file ?? 'image';
  const dataSet = parse(bytes, file);
  const transferSyntaxUID = dataSet.string('x00020010')?.replace(/\0/g, '').trim() || IMPLICIT_LE;
  const syntax = TRANSFER_SYNTAXES[transferSyntaxUID];
  if (!syntax?.decodable) {
    throw new PixelDecodeError(
      'UNSUPPORTED_TRANSFER_SYNTAX',
      file,
      `unsupported transfer syntax: ${transferSyntaxName(transferSyntaxUID)} (${transferSyntaxUID})`,
    );
  }
  const pixelElement = dataSet.elements['x7fe00010'];
  if (!pixelElement) throw new PixelDecodeError('NO_PIXEL_DATA', file, 'no Pixel Data (7FE0,0010)');
  const rows = dataSet.uint16('x00280010') ?? 0;
  const columns = dataSet.uint16('x00280011') ?? 0;
  const samplesPerPixel = dataSet.uint16('x00280002') ?? 1;
  const bitsAllocated = dataSet.uint16('x00280100') ?? 0;
  const bitsStored = dataSet.uint16('x00280101') ?? bitsAllocated;
  const signed = dataSet.uint16('x00280103') === 1;
  const planar = dataSet.uint16('x00280006') === 1;
  const framesText = dataSet.string('x00280008')?.trim();
  if (framesText !== undefined && framesText !== '' && !/^\d+$/.test(framesText)) {
    throw new PixelDecodeError(
      'MALFORMED',
      file,
      `invalid Number of Frames (0028,0008): "${framesText}"`,
    );
  }
  const numberOfFrames = Math.max(1, Number(framesText || '1'));
  let photometric = (dataSet.string('x00280004') ?? 'MONOCHROME2').trim();
  if (
    !rows ||
    !columns ||
    ![1, 8, 16, 32].includes(bitsAllocated) ||
    ![1, 3].includes(samplesPerPixel)
  ) {
    throw new PixelDecodeError(
      'MALFORMED',
      file,
      `unsupported image geometry (rows ${rows}, columns ${columns}, bits ${bitsAllocated}, samples ${samplesPerPixel})`,
    );
  }
  const wanted = options.frames ?? Array.from({ length: numberOfFrames }, (_, i) => i);
  for (const f of wanted) {
    if (!Number.isInteger(f) || f < 0 || f >= numberOfFrames) {
      throw new PixelDecodeError(
        'MALFORMED',
        file,
        `frame ${f} out of range (0..${numberOfFrames - 1})`,
      );
    }
  }
  const pixels = rows * columns;
  const values = pixels * samplesPerPixel;
  const make = () =>
    bitsAllocated === 32 && !signed ? new Float64Array(values) : new Int32Array(values);
  const bytesPerSample = bitsAllocated / 8;
  let frames: (Int32Array | Float64Array)[];

  try {
    if (!pixelElement.encapsulatedPixelData) {
      frames = decodeNative();
    } else if (transferSyntaxUID === '1.2.840.10008.1.2.5') {
      frames = wanted.map((f) => decodeRle(fragmentBytes(f)));
    } else {
      frames = wanted.map((f) => decodeJpegFrame(fragmentBytes(f)));
      if (samplesPerPixel === 3) photometric = 'RGB';
    }
  } catch (error) {
    if (error instanceof PixelDecodeError) throw error;
    throw new PixelDecodeError(
      'MALFORMED',
      file,
      `cannot decode ${syntax.name} pixel data: ${(error as Error).message}`,
    );
  }

  if (photometric === 'YBR_FULL_422' && !pixelElement.encapsulatedPixelData)
    photometric = 'YBR_FULL';
  const slope = Number(dataSet.string('x00281053') ?? '1');
  const intercept = Number(dataSet.string('x00281052') ?? '0');
  return {
    transferSyntaxUID,
    rows,
    columns,
    samplesPerPixel,
    numberOfFrames,
    bitsAllocated,
    bitsStored,
    signed,
    photometricInterpretation: photometric,
    rescaleSlope: Number.isFinite(slope) && slope !== 0 ? slope : 1,
    rescaleIntercept: Number.isFinite(intercept) ? intercept : 0,
    frames,
  };

  function decodeNative() {
    const data = dataSet.byteArray; // for deflated files this is the inflated dataset
    const is422 = photometric === 'YBR_FULL_422';
    const frameBits = is422 ? pixels * 2 * 8 : values * bitsAllocated;
    const needed = pixelElement!.dataOffset + Math.ceil((frameBits * numberOfFrames) / 8);
    if (
      needed > data.length ||
      (pixelElement!.length !== 0xffffffff &&
        pixelElement!.dataOffset + pixelElement!.length > data.length)
    ) {
      throw new PixelDecodeError(
        'TRUNCATED',
        file,
        `truncated: pixel data needs ${needed} bytes, the file has ${data.length}`,
      );
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const little = transferSyntaxUID !== BIG_ENDIAN;
    return wanted.map((f) => {
      const out = make();
      const startBit = pixelElement!.dataOffset * 8 + f * frameBits;
      if (bitsAllocated === 1) {
        for (let i = 0; i < values; i++) {
          const bit = startBit + i;
          out[i] = (data[bit >> 3]! >> (bit & 7)) & 1;
        }
        return out;
      }
      const base = startBit / 8;
      if (is422) {
        // Y1 Y2 Cb Cr per pixel pair → Y Cb Cr for each pixel (chroma shared).
        for (let p = 0; p < pixels; p += 2) {
          const o = base + p * 2;
          const [y1, y2, cb, cr] = [data[o]!, data[o + 1]!, data[o + 2]!, data[o + 3]!];
          out.set([y1, cb, cr], p * 3);
          if (p + 1 < pixels) out.set([y2, cb, cr], (p + 1) * 3);
        }
        return out;
      }
      for (let i = 0; i < values; i++) {
        // Planar configuration 1 (RRR…GGG…BBB…) is returned interleaved like every other case.
        const src = planar && samplesPerPixel === 3 ? (i % 3) * pixels + Math.floor(i / 3) : i;
        const at = base + src * bytesPerSample;
        out[i] = readSample(view, at, bitsAllocated, signed, little);
      }
      return out;
    });
  }

  function fragmentBytes(frame: number): Uint8Array {
    const fragments = pixelElement!.fragments ?? [];
    if (fragments.length === 0)
      throw new PixelDecodeError('MALFORMED', file, 'encapsulated pixel data has no fragments');
    const lastFragment = fragments.at(-1)!;
    if (lastFragment.position + lastFragment.length > dataSet.byteArray.length) {
      throw new PixelDecodeError(
        'TRUNCATED',
        file,
        'truncated: the last pixel data fragment runs past the end of the file',
      );
    }
    if (numberOfFrames === 1) {
      return dicomParser.readEncapsulatedPixelDataFromFragments(
        dataSet,
        pixelElement!,
        0,
        fragments.length,
      );
    }
    const table = pixelElement!.basicOffsetTable?.length
      ? pixelElement!.basicOffsetTable
      : undefined;
    if (!table && fragments.length === numberOfFrames) {
      return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixelElement!, frame, 1);
    }
    return dicomParser.readEncapsulatedImageFrame(
      dataSet,
      pixelElement!,
      frame,
      table ?? dicomParser.createJPEGBasicOffsetTable(dataSet, pixelElement!),
    );
  }

  function decodeRle(frame: Uint8Array) {
    const segments = decodeRleFrame(frame, pixels);
    if (segments.length !== samplesPerPixel * bytesPerSample) {
      throw new Error(
        `${segments.length} RLE segments for ${samplesPerPixel} sample(s) of ${bitsAllocated} bits`,
      );
    }
    const out = make();
    for (let s = 0; s < samplesPerPixel; s++) {
      for (let p = 0; p < pixels; p++) {
        let v = 0;
        for (let b = 0; b < bytesPerSample; b++)
          v = v * 256 + segments[s * bytesPerSample + b]![p]!;
        out[p * samplesPerPixel + s] = signedValue(v, bitsAllocated, signed);
      }
    }
    return out;
  }

  function decodeJpegFrame(frame: Uint8Array) {
    const out = make();
    if (transferSyntaxUID.endsWith('.57') || transferSyntaxUID.endsWith('.70')) {
      const copy = frame.slice().buffer;
      const decoded = new JpegLosslessDecoder().decompress(copy);
      const view = new DataView(decoded);
      const width = decoded.byteLength / values;
      for (let i = 0; i < values; i++) {
        const raw = width >= 2 ? view.getUint16(i * 2, true) : view.getUint8(i);
        out[i] = signedValue(raw, width >= 2 ? 16 : 8, signed);
      }
      return out;
    }
    if (bitsStored > 8) {
      throw new PixelDecodeError(
        'UNSUPPORTED_TRANSFER_SYNTAX',
        file,
        `unsupported: ${bitsStored}-bit JPEG Extended (only 8-bit lossy JPEG is decoded)`,
      );
    }
    const image = decodeJpeg(frame, {
      useTArray: true,
      formatAsRGBA: false,
      colorTransform: samplesPerPixel === 3 ? undefined : false,
      maxMemoryUsageInMB: 1024,
    });
    if (image.width !== columns || image.height !== rows) {
      throw new Error(`JPEG is ${image.width}×${image.height}, the header says ${columns}×${rows}`);
    }
    out.set(image.data.subarray(0, values));
    return out;
  }
}

function readSample(
  view: DataView,
  at: number,
  bits: number,
  signed: boolean,
  little: boolean,
): number {
  switch (bits) {
    case 8:
      return signed ? view.getInt8(at) : view.getUint8(at);
    case 16:
      return signed ? view.getInt16(at, little) : view.getUint16(at, little);
    default:
      return signed ? view.getInt32(at, little) : view.getUint32(at, little);
  }
}

function signedValue(v: number, bits: number, signed: boolean): number {
  if (!signed) return v;
  const half = 2 ** (bits - 1);
  return v >= half ? v - 2 * half : v;
}

function parse(bytes: Uint8Array, file: string): dicomParser.DataSet {
  const inflater = (b: Uint8Array, position: number) => {
    const inflated = inflateRawSync(b.subarray(position));
    const out = new Uint8Array(position + inflated.length);
    out.set(b.subarray(0, position));
    out.set(inflated, position);
    return out;
  };
  try {
    return dicomParser.parseDicom(bytes, { inflater });
  } catch (error) {
    const reason = errorText(error);
    if (/DICM prefix not found/i.test(reason)) {
      try {
        return dicomParser.parseDicom(bytes, { TransferSyntaxUID: IMPLICIT_LE });
      } catch (inner) {
        throw new PixelDecodeError('MALFORMED', file, `not a DICOM file (${errorText(inner)})`);
      }
    }
    const truncated = /buffer overr(?:un|ead)|beyond|past end|maxPosition/i.test(reason);
    throw new PixelDecodeError(
      truncated ? 'TRUNCATED' : 'MALFORMED',
      file,
      truncated
        ? `truncated: the file ends inside its data (${reason})`
        : `malformed DICOM: ${reason}`,
    );
  }
}

function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'exception' in error) return String(error.exception);
  return 'unreadable';
}

/** Stored value → modality value (e.g. HU): slope × value + intercept, as Float32. */
export function rescaled(image: DecodedImage, frame = 0): Float32Array {
  const values = image.frames[frame];
  if (!values) throw new RangeError(`frame ${frame} was not decoded`);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++)
    out[i] = values[i]! * image.rescaleSlope + image.rescaleIntercept;
  return out;
}
