import { describe, expect, it } from 'vitest';
import { readConfig } from './config.js';

const base = { DEID_SECRET: 's'.repeat(20), ALLOW_UNSIGNED_REQUESTS: 'true' };

describe('medical-images config', () => {
  it('takes a folder and several DICOMweb archives', () => {
    const config = readConfig({
      ...base,
      IMAGE_FOLDER: '/data/images',
      DICOMWEB_ARCHIVES:
        'pacs-a=http://orthanc-a:8042/dicom-web, pacs-b=https://pacs-b.example/dicom-web',
    });
    expect(config.imageFolder).toBe('/data/images');
    expect(config.dicomwebArchives).toEqual([
      { name: 'pacs-a', url: 'http://orthanc-a:8042/dicom-web' },
      { name: 'pacs-b', url: 'https://pacs-b.example/dicom-web' },
    ]);
  });

  it.each([
    [{ ...base }, /set IMAGE_FOLDER and\/or DICOMWEB_ARCHIVES/],
    [{ ...base, DICOMWEB_ARCHIVES: 'pacs=ftp://x' }, /"pacs=ftp:\/\/x" is not name=http/],
    [{ ALLOW_UNSIGNED_REQUESTS: 'true', IMAGE_FOLDER: '/x' }, /DEID_SECRET is required/],
    [{ ...base, DEID_SECRET: 'short', IMAGE_FOLDER: '/x' }, /at least 16 characters/],
    [{ DEID_SECRET: 's'.repeat(20), IMAGE_FOLDER: '/x' }, /GATEWAY_PUBLIC_KEY is required/],
  ])('refuses %o', (env, message) => {
    expect(() => readConfig(env)).toThrow(message);
  });
});
