import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pydicomFile } from '#common/testing/pydicom-corpus.js';
import { DicomHeaderError, parseDicomHeader } from './dicom-header.js';

const read = (name: string) => new Uint8Array(readFileSync(pydicomFile(name)));

describe('parseDicomHeader on real files from the pydicom corpus', () => {
  it.each([
    ['MR_small.dcm', '1.2.840.10008.1.2.1'],
    ['MR_small_implicit.dcm', '1.2.840.10008.1.2'],
    ['MR_small_bigendian.dcm', '1.2.840.10008.1.2.2'],
    ['MR_small_RLE.dcm', '1.2.840.10008.1.2.5'],
    ['MR_small_expb.dcm', '1.2.840.10008.1.2.2'],
  ])('%s (%s) gives the same header as the original', (name, syntax) => {
    const header = parseDicomHeader(read(name));
    expect(header.transferSyntaxUID).toBe(syntax);
    expect(header).toMatchObject({
      sopInstanceUID: '1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457',
      modality: 'MR',
      rows: 64,
      columns: 64,
      numberOfFrames: 1,
      pixelSpacing: [0.3125, 0.3125],
      sliceThickness: 0.8,
    });
  });

  it('reads a deflated dataset', () => {
    const header = parseDicomHeader(read('image_dfl.dcm'));
    expect(header.transferSyntaxUID).toBe('1.2.840.10008.1.2.1.99');
    expect(header.rows).toBeGreaterThan(0);
    expect(header.pixelDataEnd).toBeNull();
  });

  it('reads multi-frame geometry', () => {
    const header = parseDicomHeader(read('rtdose.dcm'));
    expect(header.numberOfFrames).toBe(15);
  });

  it('stops before pixel data, so a prefix holding the header is enough', () => {
    const bytes = read('CT_small.dcm');
    const full = parseDicomHeader(bytes);
    const pixelBytes = 128 * 128 * 2;
    const pixelDataStart = full.pixelDataEnd! - pixelBytes;
    expect(full.pixelDataEnd).toBeLessThanOrEqual(bytes.length);
    const prefix = bytes.subarray(0, pixelDataStart);
    expect(parseDicomHeader(prefix)).toEqual(full);
  });

  it.each([
    ['rtplan.dcm', /not an image/],
    ['rtplan_truncated.dcm', /./],
    ['meta_missing_tsyntax.dcm', /missing required meta header attribute 0002,0010/],
  ])('refuses %s with a precise reason', (name, reason) => {
    expect(() => parseDicomHeader(read(name))).toThrow(DicomHeaderError);
    expect(() => parseDicomHeader(read(name))).toThrow(reason);
  });

  it('refuses bytes that are not DICOM', () => {
    expect(() => parseDicomHeader(new TextEncoder().encode('hello world'.repeat(30)))).toThrow(
      DicomHeaderError,
    );
    expect(() => parseDicomHeader(new Uint8Array(0))).toThrow(DicomHeaderError);
  });
});
