import { createHash } from 'node:crypto';
import dcmjs from 'dcmjs';
import dicomParser from 'dicom-parser';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;
const SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** A coded concept (SNOMED CT or DICOM), as DICOM SEG segment descriptions require. */
export interface Code {
  readonly value: string;
  readonly scheme: 'SCT' | 'DCM';
  readonly meaning: string;
}

export interface SegmentDescription {
  readonly label: string;
  readonly category: Code;
  readonly type: Code;
  readonly algorithm: { readonly name: string; readonly version: string };
  /** Display colour as CIELab scaled to 0–65535, per PS3.3 C.10.7.1.1. */
  readonly cielab?: readonly [number, number, number];
}

/**
 * Writes a DICOM Segmentation (binary) for a label volume over its source slices: one segment per
 * label 1..n, frames only where a segment is present, 1-bit pixels packed contiguously (PS3.5
 * 8.1.1), coded segment descriptions, and per-frame Derivation Image and Plane Position items
 * that reference the source image each frame was derived from. Patient and study attributes are
 * copied from the sources (already de-identified when they left the archive).
 */
export function writeDicomSeg(options: {
  sources: readonly Uint8Array[];
  labels: Uint8Array;
  rows: number;
  columns: number;
  segments: readonly SegmentDescription[];
  seriesDescription?: string;
}): Uint8Array {
  const { rows, columns, sources, labels } = options;
  const plane = rows * columns;
  if (labels.length !== sources.length * plane)
    throw new Error('label volume does not match the source slices');
  const headers = sources.map((bytes) => dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' }));
  const first = headers[0]!;
  const str = (h: dicomParser.DataSet, tag: string) => h.string(tag)?.trim() ?? '';
  const nums = (h: dicomParser.DataSet, tag: string) =>
    (h.string(tag) ?? '').split('\\').filter(Boolean).map(Number);
  const uid = (seed: string) =>
    `2.25.${BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 32)}`)}`;
  const seedOf = headers.map((h) => str(h, 'x00080018')).join('|');

  const frames: { z: number; segment: number }[] = [];
  options.segments.forEach((_, s) => {
    for (let z = 0; z < sources.length; z++) {
      const offset = z * plane;
      for (let i = 0; i < plane; i++) {
        if (labels[offset + i] === s + 1) {
          frames.push({ z, segment: s + 1 });
          break;
        }
      }
    }
  });

  const packed = new Uint8Array(Math.ceil((frames.length * plane) / 8));
  frames.forEach(({ z, segment }, f) => {
    for (let i = 0; i < plane; i++) {
      if (labels[z * plane + i] === segment) {
        const bit = f * plane + i;
        packed[bit >> 3]! |= 1 << (bit & 7);
      }
    }
  });

  const code = (c: Code) => ({
    CodeValue: c.value,
    CodingSchemeDesignator: c.scheme,
    CodeMeaning: c.meaning,
  });
  const sopInstanceUID = uid(`seg|${seedOf}|${createHash('sha256').update(labels).digest('hex')}`);
  const now = new Date();
  const date = now.toISOString().slice(0, 10).replace(/-/g, '');
  const time = now.toISOString().slice(11, 19).replace(/:/g, '');
  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SEG_SOP_CLASS,
    SOPInstanceUID: sopInstanceUID,
    Modality: 'SEG',
    ImageType: ['DERIVED', 'PRIMARY'],
    Manufacturer: 'medfed',
    ManufacturerModelName: 'medfed compute-service',
    SoftwareVersions: '0.1.0',
    DeviceSerialNumber: 'medfed',
    SeriesDescription: options.seriesDescription ?? 'medfed segmentation',
    SeriesNumber: 900,
    InstanceNumber: 1,
    ContentDate: date,
    ContentTime: time,
    SeriesDate: date,
    SeriesTime: time,
    ContentLabel: 'SEGMENTATION',
    ContentDescription: 'Automatic segmentation',
    ContentCreatorName: 'medfed',
    // Patient and study: copied from the (de-identified) sources.
    PatientName: str(first, 'x00100010'),
    PatientID: str(first, 'x00100020'),
    PatientBirthDate: '',
    PatientSex: str(first, 'x00100040'),
    PatientIdentityRemoved: str(first, 'x00120062') || 'NO',
    StudyInstanceUID: str(first, 'x0020000d'),
    StudyID: str(first, 'x00200010'),
    StudyDate: str(first, 'x00080020'),
    StudyTime: str(first, 'x00080030'),
    AccessionNumber: str(first, 'x00080050'),
    ReferringPhysicianName: '',
    SeriesInstanceUID: uid(`seg-series|${seedOf}`),
    FrameOfReferenceUID: str(first, 'x00200052'),
    PositionReferenceIndicator: '',
    SegmentationType: 'BINARY',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    NumberOfFrames: frames.length,
    SegmentSequence: options.segments.map((s, i) => ({
      SegmentNumber: i + 1,
      SegmentLabel: s.label,
      SegmentAlgorithmType: 'AUTOMATIC',
      SegmentAlgorithmName: s.algorithm.name,
      SegmentedPropertyCategoryCodeSequence: [code(s.category)],
      SegmentedPropertyTypeCodeSequence: [code(s.type)],
      RecommendedDisplayCIELabValue: [...(s.cielab ?? [53274, 50904, 48080])],
    })),
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: uid(`dim|${seedOf}`) }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: uid(`dim|${seedOf}`),
        DimensionIndexPointer: 0x0062000b,
        FunctionalGroupPointer: 0x0062000a,
        DimensionDescriptionLabel: 'ReferencedSegmentNumber',
      },
      {
        DimensionOrganizationUID: uid(`dim|${seedOf}`),
        DimensionIndexPointer: 0x00200032,
        FunctionalGroupPointer: 0x00209113,
        DimensionDescriptionLabel: 'ImagePositionPatient',
      },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [
          {
            PixelSpacing: nums(first, 'x00280030'),
            SliceThickness: Number(str(first, 'x00180050') || 1),
          },
        ],
        PlaneOrientationSequence: [{ ImageOrientationPatient: nums(first, 'x00200037') }],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map(({ z, segment }) => ({
      DerivationImageSequence: [
        {
          SourceImageSequence: [
            {
              ReferencedSOPClassUID: str(headers[z]!, 'x00080016'),
              ReferencedSOPInstanceUID: str(headers[z]!, 'x00080018'),
              PurposeOfReferenceCodeSequence: [
                {
                  CodeValue: '121322',
                  CodingSchemeDesignator: 'DCM',
                  CodeMeaning: 'Source image for image processing operation',
                },
              ],
            },
          ],
          DerivationCodeSequence: [
            { CodeValue: '113076', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Segmentation' },
          ],
        },
      ],
      FrameContentSequence: [{ DimensionIndexValues: [segment, z + 1] }],
      PlanePositionSequence: [{ ImagePositionPatient: nums(headers[z]!, 'x00200032') }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segment }],
    })),
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: str(first, 'x0020000e'),
        ReferencedInstanceSequence: headers.map((h) => ({
          ReferencedSOPClassUID: str(h, 'x00080016'),
          ReferencedSOPInstanceUID: str(h, 'x00080018'),
        })),
      },
    ],
    PixelData: packed.buffer,
    _vrMap: { PixelData: 'OB' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEG_SOP_CLASS,
    MediaStorageSOPInstanceUID: sopInstanceUID,
    TransferSyntaxUID: EXPLICIT_LE,
    ImplementationClassUID: uid('medfed-seg-writer'),
    ImplementationVersionName: 'MEDFED_0_1',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}

/** The codes medfed's lesion segmenter uses: SNOMED CT "Morphologically abnormal structure" / "Mass". */
export const LESION_SEGMENT: SegmentDescription = {
  label: 'Enhancing lesion',
  category: { value: '49755003', scheme: 'SCT', meaning: 'Morphologically abnormal structure' },
  type: { value: '4147007', scheme: 'SCT', meaning: 'Mass' },
  algorithm: { name: 'enhancing_lesion_segmenter', version: '1.0.0' },
};
