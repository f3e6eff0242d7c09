import { createHash } from 'node:crypto';
import type { DicomHeader } from './dicom-header.js';

/** Header attributes an image record carries over as they are (none identifies the patient). */
const COPIED = [
  'sopClassUID',
  'transferSyntaxUID',
  'modality',
  'bodyPart',
  'seriesDescription',
  'rows',
  'columns',
  'numberOfFrames',
  'instanceNumber',
  'pixelSpacing',
  'sliceThickness',
  'imagePositionPatient',
  'imageOrientationPatient',
  'studyDate',
] as const satisfies readonly (keyof DicomHeader)[];

/**
 * One indexed DICOM instance, as every image source reports it: the copied header attributes, and
 * pseudonyms in place of the instance UIDs and the patient. `studyDate` is kept for filters only.
 */
export type ImageRecord = Pick<DicomHeader, (typeof COPIED)[number]> & {
  readonly id: string;
  readonly type: string;
  readonly format: 'DICOM';
  readonly sopInstanceUID: string;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly sizeBytes: number | null;
  /** Keyed pseudonym of the patient (links one patient's scans); served only with phi:read. */
  readonly patientPseudonym: string | null;
};

/** Maps identifiers to the site's pseudonyms (PS3.15); the de-identifier implements it. */
export interface Pseudonyms {
  readonly uid: (uid: string) => string;
  readonly patient: (patientId: string) => string;
}

/**
 * A stable, opaque image id derived from the SOP Instance UID (and the source's name), so ids
 * survive re-indexing without exposing the UID itself in URLs.
 */
export function imageIdFor(source: string, sopInstanceUID: string): string {
  return `img-${createHash('sha256').update(`${source}\0${sopInstanceUID}`).digest('hex').slice(0, 24)}`;
}

/**
 * The coarse image type researchers filter on (the seed's `MRI_T1c`), from modality and the
 * series' description: MR sequences by weighting and contrast, other modalities by family.
 */
export function classifyImageType(h: DicomHeader): string {
  switch (h.modality) {
    case 'MR': {
      const text = `${h.seriesDescription ?? ''} ${h.protocolName ?? ''}`.toUpperCase();
      if (/FLAIR/.test(text)) return 'MRI_FLAIR';
      if (/DWI|DIFFUSION|\bADC\b/.test(text)) return 'MRI_DWI';
      if (/T2/.test(text)) return 'MRI_T2';
      if (/T1/.test(text)) {
        const contrast = /\+C|C\+|POST|GAD|CONTRAST|T1C|T1CE|MPRAGE\s*\+/.test(text);
        return contrast || h.contrastAgent ? 'MRI_T1c' : 'MRI_T1';
      }
      return 'MRI';
    }
    case 'CT':
      return 'CT';
    case 'CR':
    case 'DX':
    case 'DR':
      return 'XRAY';
    case 'MG':
      return 'MAMMOGRAPHY';
    case 'US':
      return 'ULTRASOUND';
    case 'PT':
      return 'PET';
    default:
      return h.modality;
  }
}

/**
 * The record an image source keeps and serves. `pseudonym` maps instance UIDs to the site's
 * pseudonyms (PS3.15), so original UIDs never leave the institution through queries.
 */
export function toImageRecord(
  source: string,
  header: DicomHeader,
  sizeBytes: number | null,
  pseudonyms: Pseudonyms,
): ImageRecord {
  const pseudonym = pseudonyms.uid;
  const copied = Object.fromEntries(COPIED.map((key) => [key, header[key]])) as Pick<
    DicomHeader,
    (typeof COPIED)[number]
  >;
  return {
    ...copied,
    id: imageIdFor(source, header.sopInstanceUID),
    type: classifyImageType(header),
    format: 'DICOM',
    sopInstanceUID: pseudonym(header.sopInstanceUID),
    studyInstanceUID: pseudonym(header.studyInstanceUID),
    seriesInstanceUID: pseudonym(header.seriesInstanceUID),
    sizeBytes,
    patientPseudonym: header.patientId ? pseudonyms.patient(header.patientId) : null,
  };
}
