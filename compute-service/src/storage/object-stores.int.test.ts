import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startS3rver } from '#common/testing/start-s3rver.js';
import { objectStoreContract } from './object-store.contract.js';
import { openObjectStore } from './open-object-store.js';

const dir = mkdtempSync(join(tmpdir(), 'medfed-store-'));
let s3: Awaited<ReturnType<typeof startS3rver>>;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

objectStoreContract('filesystem', () => openObjectStore({ kind: 'fs', dir }));
objectStoreContract('S3 API (s3rver)', () =>
  openObjectStore({
    kind: 's3',
    bucket: s3.bucket,
    prefix: 'medfed/',
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
  }),
);
