import { createDeidentifier } from '../../../dicom/src/deidentify.js';

/** The de-identifier tests use: a fixed site secret, so pseudonyms are stable across runs. */
export const testDeidentifier = createDeidentifier({
  siteSecret: 'medfed-test-site-secret-0123456789',
  siteName: 'Test Site',
});
