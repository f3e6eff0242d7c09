import { createHmac } from 'node:crypto';
import dcmjs from 'dcmjs';

const { DicomDict, DicomMessage } = dcmjs.data;

interface Element {
  vr: string;
  Value?: unknown[];
  _rawValue?: unknown;
}
type Dataset = Record<string, Element>;

/**
 * DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile, applied by rule:
 *  - every private attribute (odd group) is removed (no Retain Safe Private option);
 *  - every person name (VR PN) and every date, time and date-time (DA, TM, DT) is emptied
 *    (no Retain Longitudinal Temporal Information option);
 *  - every instance UID is replaced by a pseudonym derived from the site secret with HMAC-SHA256
 *    (same input, same pseudonym, per site), keeping references between objects intact;
 *    well-known class and syntax UIDs (1.2.840.10008.*) are kept;
 *  - the identifying attributes listed below are removed or emptied, patient ID and name are
 *    replaced by a keyed pseudonym (so one patient's scans still link, for longitudinal work);
 *  - Patient Identity Removed = YES and De-identification Method (+ code 113100) are recorded.
 * Sequences are processed recursively. Burned-in text in pixel data is not detected (Clean Pixel
 * Data Option): files with Burned In Annotation = YES are refused.
 */
const REMOVE = new Set([
  '00080014',
  '00080050',
  '00080080',
  '00080081',
  '00080082',
  '00080092',
  '00080094',
  '00080096',
  '00081010',
  '00081030',
  '0008103E',
  '00081040',
  '00081048',
  '00081049',
  '00081050',
  '00081052',
  '00081060',
  '00081062',
  '00081070',
  '00081072',
  '00081080',
  '00081084',
  '00081110',
  '00081111',
  '00081120',
  '00082111',
  '00084000',
  '00100021',
  '00100032',
  '00100050',
  '00100101',
  '00100102',
  '00101000',
  '00101001',
  '00101002',
  '00101005',
  '00101010',
  '00101020',
  '00101030',
  '00101040',
  '00101050',
  '00101060',
  '00101080',
  '00101081',
  '00101090',
  '00102000',
  '00102110',
  '00102150',
  '00102152',
  '00102154',
  '00102160',
  '00102180',
  '001021A0',
  '001021B0',
  '001021C0',
  '001021D0',
  '001021F0',
  '00104000',
  '00181000',
  '00181004',
  '00181005',
  '00181007',
  '00181030',
  '00181400',
  '00184000',
  '0018700A',
  '00200010',
  '00204000',
  '00321032',
  '00321033',
  '00321060',
  '00324000',
  '00380010',
  '00380011',
  '00380300',
  '00380400',
  '00400001',
  '00400002',
  '00400006',
  '00400241',
  '00400242',
  '00400243',
  '00400244',
  '00400245',
  '00400253',
  '00400254',
  '00400275',
  '00401001',
  '00401400',
  '00402016',
  '00402017',
  '00402400',
  '00404037',
  '0040A124',
  '00880140',
  '30060002',
  '300A0003',
  '300E0008',
  '40084000',
  '00203401',
  '00204000',
  '00102203',
  '00102201',
]);
/** Emptied rather than removed (Type 2 in most IODs). */
const EMPTY = new Set(['00100040', '00200010', '00080050', '00100030']);
const PATIENT_NAME = '00100010';
const PATIENT_ID = '00100020';
const BURNED_IN = '00280301';
const KEEP_UID_PREFIX = '1.2.840.10008.';

export class DeidentificationError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'DeidentificationError';
  }
}

export interface Deidentifier {
  /** The pseudonym for a UID: stable for this site's secret. */
  readonly uid: (original: string) => string;
  /** The keyed pseudonym for a patient ID (the one written into de-identified files). */
  readonly patient: (patientId: string) => string;
  /** A de-identified copy of a Part 10 file. */
  readonly file: (bytes: Uint8Array, name?: string) => Uint8Array;
}

export function createDeidentifier(options: {
  siteSecret: string;
  siteName?: string;
}): Deidentifier {
  if (options.siteSecret.length < 16)
    throw new Error('the de-identification secret must be at least 16 characters');
  const keyed = (kind: string, value: string) =>
    createHmac('sha256', options.siteSecret).update(`${kind}\0${value}`).digest();
  const uid = (original: string) =>
    original.startsWith(KEEP_UID_PREFIX)
      ? original
      : `2.25.${BigInt(`0x${keyed('uid', original).subarray(0, 16).toString('hex')}`)}`;
  const pseudonym = (id: string) =>
    `ANON-${keyed('patient', id).subarray(0, 8).toString('hex').toUpperCase()}`;

  function clean(dataset: Dataset, top: boolean): void {
    const rawId = top ? dataset[PATIENT_ID]?.Value?.[0] : undefined;
    const patientId = typeof rawId === 'string' ? rawId.trim() : '';
    for (const [tag, element] of Object.entries(dataset)) {
      const group = parseInt(tag.slice(0, 4), 16);
      if (group % 2 === 1 || REMOVE.has(tag)) {
        delete dataset[tag];
        continue;
      }
      if (EMPTY.has(tag) || ['PN', 'DA', 'TM', 'DT'].includes(element.vr)) {
        set(element, []);
        continue;
      }
      if (element.vr === 'UI' && element.Value) {
        set(
          element,
          element.Value.map((v) =>
            typeof v === 'string' && v ? uid(v.replace(/\0/g, '').trim()) : v,
          ),
        );
      } else if (element.vr === 'SQ' && element.Value) {
        for (const item of element.Value as Dataset[]) clean(item, false);
      }
    }
    if (top) {
      const alias = patientId ? pseudonym(patientId) : 'ANON';
      dataset[PATIENT_ID] = { vr: 'LO', Value: [alias] };
      dataset[PATIENT_NAME] = { vr: 'PN', Value: [{ Alphabetic: alias }] };
      dataset['00120062'] = { vr: 'CS', Value: ['YES'] };
      dataset['00120063'] = {
        vr: 'LO',
        Value: ['DICOM PS3.15 E.1 Basic Application Level Confidentiality Profile (medfed)'],
      };
      dataset['00120064'] = {
        vr: 'SQ',
        Value: [
          {
            '00080100': { vr: 'SH', Value: ['113100'] },
            '00080102': { vr: 'SH', Value: ['DCM'] },
            '00080104': { vr: 'LO', Value: ['Basic Application Confidentiality Profile'] },
          },
        ],
      };
      if (options.siteName) dataset['00120031'] = { vr: 'LO', Value: [options.siteName] };
    }
  }

  return {
    uid,
    patient: pseudonym,
    file(bytes, name = 'image') {
      let message: { meta: Dataset; dict: Dataset };
      try {
        message = DicomMessage.readFile(bytes.slice().buffer) as unknown as {
          meta: Dataset;
          dict: Dataset;
        };
      } catch (error) {
        throw new DeidentificationError(name, `cannot read the file: ${(error as Error).message}`);
      }
      const burnedIn = message.dict[BURNED_IN]?.Value?.[0];
      if (typeof burnedIn === 'string' && burnedIn.trim().toUpperCase() === 'YES') {
        throw new DeidentificationError(
          name,
          'Burned In Annotation is YES: pixel text cannot be removed here',
        );
      }
      clean(message.dict, true);
      const meta = message.meta;
      const sop = message.dict['00080018']?.Value?.[0];
      if (typeof sop === 'string' && meta['00020003']) set(meta['00020003'], [sop]);
      const dict = new DicomDict(meta);
      dict.dict = message.dict;
      return new Uint8Array(dict.write());
    },
  };
}

function set(element: Element, value: unknown[]): void {
  element.Value = value;
  delete element._rawValue;
}
