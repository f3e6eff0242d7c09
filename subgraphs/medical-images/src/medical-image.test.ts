import { describe, expect, it } from 'vitest';
import type { DicomHeader } from './dicom-header.js';
import { classifyImageType, imageIdFor } from './medical-image.js';

const header = (over: Partial<DicomHeader>): DicomHeader =>
  ({
    modality: 'MR',
    seriesDescription: null,
    protocolName: null,
    contrastAgent: null,
    ...over,
  }) as DicomHeader;

describe('classifyImageType', () => {
  it.each([
    [{ seriesDescription: 'AX T1 POST GAD' }, 'MRI_T1c'],
    [{ seriesDescription: 'T1 MPRAGE', contrastAgent: 'GADOLINIUM' }, 'MRI_T1c'],
    [{ seriesDescription: 'SAG T1' }, 'MRI_T1'],
    [{ seriesDescription: 'AX T2 FLAIR' }, 'MRI_FLAIR'],
    [{ seriesDescription: 'AX T2 FSE' }, 'MRI_T2'],
    [{ protocolName: 'DWI b1000' }, 'MRI_DWI'],
    [{ seriesDescription: 'localizer' }, 'MRI'],
    [{ modality: 'CT' }, 'CT'],
    [{ modality: 'DX' }, 'XRAY'],
    [{ modality: 'CR' }, 'XRAY'],
    [{ modality: 'NM' }, 'NM'],
  ])('%o → %s', (over, expected) => {
    expect(classifyImageType(header(over))).toBe(expected);
  });
});

describe('imageIdFor', () => {
  it('is stable, opaque and distinct per source', () => {
    const uid = '1.2.840.113619.2.1.1.1';
    expect(imageIdFor('folder', uid)).toBe(imageIdFor('folder', uid));
    expect(imageIdFor('folder', uid)).toMatch(/^img-[0-9a-f]{24}$/);
    expect(imageIdFor('folder', uid)).not.toContain(uid);
    expect(imageIdFor('pacs-a', uid)).not.toBe(imageIdFor('folder', uid));
  });
});
