import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoImageSet } from '#fixtures/dicom-phantoms.js';
import { SEED_MODEL_NAME, SEED_QUERY } from '#fixtures/sample-models.js';
import { startCompute, type Compute } from './support/start-compute.js';

const SEED_REQUEST = {
  pipeline_tag: 'brain-tumor-pipeline',
  input_tag: 'dcm',
  use_cache: true,
  query: SEED_QUERY,
  variables: { name: SEED_MODEL_NAME },
};

describe('compute service end to end (real Redis, gateway, ONNX runtime, worker processes)', () => {
  let imageDir: string;
  let compute: Compute;
  beforeAll(async () => {
    imageDir = await mkdtemp(join(tmpdir(), 'medfed-compute-images-'));
    await writeDemoImageSet(imageDir);
    compute = await startCompute({ imageDir });
  }, 120_000);
  afterAll(async () => {
    await compute?.close();
    await rm(imageDir, { recursive: true, force: true });
  });

  it("runs the seed's request: 202 with job and render URLs, then measured results", async () => {
    const posted = await compute.submit(SEED_REQUEST);
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    expect(posted.body).toMatchObject({ status: 'QUEUED', cached: false });
    expect(posted.headers.get('location')).toBe(posted.body['jobs']);
    const job = await compute.waitUntilDone(posted.body['id']);
    expect(job['status'], JSON.stringify(job)).toBe('SUCCEEDED');
    console.log(JSON.stringify(job, null, 1).slice(0, 3000));
  }, 120_000);
});
