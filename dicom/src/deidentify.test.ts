import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { pydicomFile } from '#common/testing/pydicom-corpus.js';
import { writeBrainMrSeries } from '#fixtures/dicom-phantoms.js';
import { decodePixels } from './decode-pixels.js';
import { createDeidentifier, DeidentificationError } from './deidentify.js';

const tmp = mkdtempSync(join(tmpdir(), 'medfed-deid-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const deid = createDeidentifier({ siteSecret: 'site-a-secret-0123456789', siteName: 'Site A' });

function audit(original: string, deidentified: Uint8Array) {
  const out = join(tmp, 'deid.dcm');
  writeFileSync(out, deidentified);
  return JSON.parse(
    execFileSync('/usr/bin/python3', [
      join(import.meta.dirname, 'identity-audit.py'),
      original,
      out,
    ]).toString(),
  ) as {
    leaks: string[];
    checked: number;
    private: string[];
    names_dates: string[];
    identity_removed: string;
    method_code: string;
    patient_id: string;
  };
}

describe('PS3.15 basic profile on real files', () => {
  it.each([
    'CT_small.dcm',
    'MR_small.dcm',
    'SC_rgb_jpeg_dcmtk.dcm',
    'rtdose.dcm',
    'rtplan.dcm',
    'priv_SQ.dcm',
  ])('%s: no identifying value survives; the pixels are untouched', (name) => {
    const path = pydicomFile(name);
    const original = new Uint8Array(readFileSync(path));
    const result = deid.file(original, name);
    const report = audit(path, result);
    expect(report.checked).toBeGreaterThan(0);
    expect(report.leaks).toEqual([]);
    expect(report.private).toEqual([]);
    expect(report.names_dates).toEqual([]);
    expect(report.identity_removed).toBe('YES');
    expect(report.method_code).toBe('113100');
    expect(report.patient_id).toMatch(/^ANON(-[0-9A-F]{16})?$/);
    const hasPixels = dicomParser.parseDicom(original).elements['x7fe00010'];
    if (hasPixels && !name.startsWith('SC_rgb_jpeg')) {
      expect(decodePixels(result).frames).toEqual(decodePixels(original).frames);
    }
  });
});

describe('pseudonyms', () => {
  it('remaps UIDs consistently within a site, differently across sites, keeping references', async () => {
    const series = await writeBrainMrSeries({
      dir: tmp,
      patient: 'PHANTOM-DEID',
      contrast: 'T1c',
      slices: 2,
      size: 8,
    });
    const [a, b] = series.files.map((f) =>
      dicomParser.parseDicom(deid.file(new Uint8Array(readFileSync(f)))),
    );
    expect(a!.string('x0020000d')).toBe(b!.string('x0020000d'));
    expect(a!.string('x0020000e')).toBe(deid.uid(series.seriesInstanceUID));
    expect(a!.string('x00080018')).toBe(deid.uid(series.sopInstanceUIDs[0]!));
    expect(a!.string('x00020003')).toBe(a!.string('x00080018'));
    expect(a!.string('x00080018')).not.toBe(b!.string('x00080018'));
    expect(a!.string('x00100020')).toBe(b!.string('x00100020'));
    expect(a!.string('x00080016')).toBe('1.2.840.10008.5.1.4.1.1.4');
    const other = createDeidentifier({ siteSecret: 'site-b-secret-9876543210' });
    expect(other.uid(series.seriesInstanceUID)).not.toBe(deid.uid(series.seriesInstanceUID));
    expect(deid.uid(series.seriesInstanceUID)).toMatch(/^2\.25\.\d{20,39}$/);
  });

  it('refuses what it cannot make safe, and weak secrets', () => {
    expect(() => createDeidentifier({ siteSecret: 'short' })).toThrow(/at least 16/);
    expect(() => deid.file(new TextEncoder().encode('not dicom'.repeat(40)), 'notes.txt')).toThrow(
      DeidentificationError,
    );
  });
});
