import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';

/**
 * The header attributes medfed indexes. Patient identity is absent, except the patient ID, which
 * the indexer turns into a keyed pseudonym at once.
 */
export interface DicomHeader {
  readonly sopInstanceUID: string;
  readonly sopClassUID: string;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  /** Null when the source does not report it (DICOMweb metadata carries no transfer syntax). */
  readonly transferSyntaxUID: string | null;
  readonly modality: string;
  readonly bodyPart: string | null;
  readonly seriesDescription: string | null;
  readonly protocolName: string | null;
  readonly contrastAgent: string | null;
  readonly rows: number;
  readonly columns: number;
  readonly numberOfFrames: number;
  readonly instanceNumber: number | null;
  readonly pixelSpacing: readonly [number, number] | null;
  readonly sliceThickness: number | null;
  readonly imagePositionPatient: readonly number[] | null;
  readonly imageOrientationPatient: readonly number[] | null;
  /** Read only to derive a pseudonym at index time; never stored or served. */
  readonly patientId: string | null;
  /** StudyDate (YYYYMMDD), kept only for date filters (which need phi:read); never served. */
  readonly studyDate: string | null;
  /** Byte offset where native (defined-length) pixel data ends; null if encapsulated/absent. */
  readonly pixelDataEnd: number | null;
}

/** Why a file is not an indexable DICOM image; `reason` is safe to log (no patient data). */
export class DicomHeaderError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DicomHeaderError';
  }
}

const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
const UID = /^[0-9]+(\.[0-9]+)*$/;

/**
 * Parses the header of a DICOM file (Part 10, or a bare implicit-VR dataset without preamble),
 * stopping before pixel data, so a prefix of a large file is enough when the header fits in it.
 */
export function parseDicomHeader(bytes: Uint8Array): DicomHeader {
  const dataSet = parseDataSet(bytes);
  const str = (tag: string) => {
    const value = dataSet.string(tag)?.trim();
    return value ? value : null;
  };
  const uid = (tag: string, name: string) => {
    const value = str(tag)?.replace(/\0/g, '');
    if (!value) throw new DicomHeaderError(`missing ${name}`);
    if (!UID.test(value) || value.length > 64) throw new DicomHeaderError(`invalid ${name}`);
    return value;
  };
  const numbers = (tag: string): number[] | null => {
    const raw = str(tag);
    if (!raw) return null;
    const values = raw.split('\\').map(Number);
    return values.every(Number.isFinite) ? values : null;
  };
  const firstNumber = (tag: string) => numbers(tag)?.[0] ?? null;

  const rows = dataSet.uint16('x00280010');
  const columns = dataSet.uint16('x00280011');
  if (!rows || !columns) throw new DicomHeaderError('not an image (no Rows/Columns)');
  const modality = str('x00080060');
  if (!modality) throw new DicomHeaderError('missing Modality');
  const spacing = numbers('x00280030') ?? numbers('x00181164');
  const pixels = dataSet.elements['x7fe00010'];
  const transferSyntaxUID = str('x00020010')?.replace(/\0/g, '') ?? IMPLICIT_VR_LITTLE_ENDIAN;
  // Offsets in a deflated dataset are offsets in the inflated stream, not in the file.
  const definedLength =
    pixels &&
    !pixels.hadUndefinedLength &&
    pixels.length !== 0xffffffff &&
    transferSyntaxUID !== DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN;
  const frames = firstNumber('x00280008');
  return {
    sopInstanceUID: uid('x00080018', 'SOPInstanceUID'),
    sopClassUID: uid('x00080016', 'SOPClassUID'),
    studyInstanceUID: uid('x0020000d', 'StudyInstanceUID'),
    seriesInstanceUID: uid('x0020000e', 'SeriesInstanceUID'),
    transferSyntaxUID,
    modality: modality.toUpperCase(),
    bodyPart: str('x00180015')?.toUpperCase() ?? null,
    seriesDescription: str('x0008103e'),
    protocolName: str('x00181030'),
    contrastAgent: str('x00180010'),
    rows,
    columns,
    numberOfFrames: frames && frames > 0 ? Math.trunc(frames) : 1,
    instanceNumber: firstNumber('x00200013'),
    pixelSpacing: spacing && spacing.length >= 2 ? [spacing[0]!, spacing[1]!] : null,
    sliceThickness: firstNumber('x00180050'),
    imagePositionPatient: numbers('x00200032'),
    imageOrientationPatient: numbers('x00200037'),
    patientId: str('x00100020'),
    studyDate: str('x00080020'),
    pixelDataEnd: definedLength ? pixels.dataOffset + pixels.length : null,
  };
}

function parseDataSet(bytes: Uint8Array): dicomParser.DataSet {
  try {
    return dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010', inflater });
  } catch (error) {
    const reason = describe(error);
    if (!/DICM prefix not found/i.test(reason)) throw new DicomHeaderError(reason);
  }
  // No Part 10 preamble: try a bare dataset in the default transfer syntax.
  try {
    return dicomParser.parseDicom(bytes, {
      untilTag: 'x7fe00010',
      TransferSyntaxUID: IMPLICIT_VR_LITTLE_ENDIAN,
    });
  } catch (error) {
    throw new DicomHeaderError(`not a DICOM file (${describe(error)})`);
  }
}

function describe(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'exception' in error) {
    return String(error.exception);
  }
  return 'unreadable';
}

/** Deflated Explicit VR Little Endian: the dataset after the meta header is raw-deflated. */
function inflater(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(bytes.subarray(position));
  const out = new Uint8Array(position + inflated.length);
  out.set(bytes.subarray(0, position));
  out.set(inflated, position);
  return out;
}
