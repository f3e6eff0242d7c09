import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Debian's python3-pydicom ships a corpus of real DICOM files (CT, MR in several transfer
 * syntaxes, truncated and odd ones). Tests use them in place; they are never copied into the repo.
 * scripts/test.sh installs the package.
 */
export const PYDICOM_TEST_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

export function pydicomFile(name: string): string {
  const path = join(PYDICOM_TEST_FILES, name);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: install Debian's python3-pydicom (scripts/test.sh does)`);
  }
  return path;
}
