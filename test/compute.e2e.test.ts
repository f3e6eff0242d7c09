import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPixels, screenshot } from '#common/testing/screenshot.js';
import { startS3rver } from '#common/testing/start-s3rver.js';
import { writeChestXray, writeDemoImageSet } from '#fixtures/dicom-phantoms.js';
import { CLASSIFIER_MODEL_NAME } from '#fixtures/model-repository.js';
import {
  REGISTER_MODEL,
  SAMPLE_MODELS,
  SEED_COMPUTE_REQUEST,
  SEED_MODEL_NAME,
  SEED_QUERY,
} from '#fixtures/sample-models.js';
import { runCli } from '../cli/src/run-cli.js';
import { startCompute, type Body, type Compute } from './support/start-compute.js';

const SEED_REQUEST = SEED_COMPUTE_REQUEST;
const modelQuery = (name: string) =>
  `{ models(name: "${name}") { id name url medicalImages { id type format url } } }`;
const isRed = (r: number, g: number, b: number) => r > 150 && r - g > 80 && r - b > 80;

describe('compute service end to end (real Redis, gateway, ONNX runtime, worker processes)', () => {
  let imageDir: string;
  let compute: Compute;
  beforeAll(async () => {
    imageDir = await mkdtemp(join(tmpdir(), 'medfed-compute-images-'));
    await writeDemoImageSet(imageDir);
    // A radiograph whose header claims twice the rows its pixel data holds: a corrupt image
    // that an archive still indexes and serves, and that only decoding finds out.
    const corrupt = await writeChestXray({ dir: imageDir, patient: 'PHANTOM-CX03' });
    const file = corrupt.files[0]!;
    const bytes = await readFile(file);
    const rows = bytes.indexOf(Buffer.from([0x28, 0x00, 0x10, 0x00, 0x55, 0x53, 0x02, 0x00]));
    expect(rows).toBeGreaterThan(0);
    bytes.writeUInt16LE(bytes.readUInt16LE(rows + 8) * 2, rows + 8);
    await writeFile(file, bytes);
    compute = await startCompute({ imageDir });
  }, 120_000);
  afterAll(async () => {
    await compute?.close();
    await rm(imageDir, { recursive: true, force: true });
  });

  let seedJob: Body;
  it("runs the seed's request: 202 with job and render URLs, then measured results", async () => {
    const posted = await compute.submit(SEED_REQUEST);
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    expect(posted.body).toMatchObject({ status: 'QUEUED', cached: false });
    expect(posted.headers.get('location')).toBe(posted.body['jobs']);
    expect(posted.body['render']).toMatch(/\/render\/[0-9a-f-]{36}$/);
    seedJob = await compute.waitUntilDone(posted.body['id']);
    expect(seedJob['status'], JSON.stringify(seedJob)).toBe('SUCCEEDED');

    // Two T1c series (one with a tumour, one without), each a unit through every stage.
    expect(seedJob['progress']['units']).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
    expect(seedJob['progress']['images']['fetched']).toBe(seedJob['progress']['images']['total']);
    for (const unit of seedJob['units']) {
      expect(unit['stages'].map((s: Body) => [s['name'], s['state']])).toEqual(
        ['preprocess', 'infer', 'postprocess', 'seg', 'overlays'].map((s) => [s, 'SUCCEEDED']),
      );
      expect(unit['stages'].find((s: Body) => s['name'] === 'infer')['provider']).toBe('cpu');
    }

    const results = await compute.request('GET', `/v1/jobs/${posted.body['id']}/results`);
    expect(results.status).toBe(200);
    const volumes = results.body['units'].map(
      (u: Body) => u['summary']['postprocess']['totals'][0]?.['volumeMm3'] ?? 0,
    );
    // The phantom tumour is an ellipsoid of 26 273 mm³ (see operators.test.ts); none in the other.
    expect(Math.max(...volumes)).toBeGreaterThan(15_000);
    expect(Math.max(...volumes)).toBeLessThan(30_000);
    expect(Math.min(...volumes)).toBe(0);
    const withLesion = results.body['units'].find(
      (u: Body) => (u['summary']['postprocess']['totals'][0]?.['volumeMm3'] ?? 0) > 0,
    );
    const files = Object.keys(withLesion['files']);
    expect(files).toEqual(
      expect.arrayContaining(['measurements.json', 'contours.json', 'segmentation.dcm']),
    );
    expect(files.filter((f) => f.startsWith('slices/')).length).toBe(
      files.filter((f) => f.startsWith('overlays/')).length,
    );

    // The DICOM SEG downloads as DICOM and dcmtk reads it.
    const seg = await fetch(withLesion['files']['segmentation.dcm']);
    expect(seg.headers.get('content-type')).toBe('application/dicom');
    const bytes = new Uint8Array(await seg.arrayBuffer());
    expect(new TextDecoder().decode(bytes.subarray(128, 132))).toBe('DICM');
    const segFile = join(compute.dir, 'seg.dcm');
    await writeFile(segFile, bytes);
    expect(execFileSync('dcmdump', ['-q', '+P', '0008,0016', segFile]).toString()).toContain(
      'SegmentationStorage',
    );

    // Per image: state and the link to its unit's results.
    const imageId = withLesion['images'][0];
    const image = await compute.request('GET', `/v1/jobs/${posted.body['id']}/images/${imageId}`);
    expect(image.body).toMatchObject({ id: imageId, state: 'SUCCEEDED', unit: withLesion['id'] });
  }, 120_000);

  it('renders the results in a real browser, with the overlay drawn and toggled off', async () => {
    const render = seedJob['render'] as string;
    const page = await compute.request('GET', new URL(render).pathname);
    expect(page.type).toContain('text/html');
    expect(page.body).toContain('enhancing_lesion');
    expect(page.body).toContain('segmentation.dcm');
    const on = await screenshot(`${render}?overlay=1&opacity=1`);
    const off = await screenshot(`${render}?overlay=0`);
    const redOn = countPixels(on, isRed);
    const redOff = countPixels(off, isRed);
    // The lesion covers hundreds of screen pixels at 384 px; with the overlay off, none is red.
    expect(redOn).toBeGreaterThan(500);
    expect(redOff).toBeLessThan(20);
  }, 120_000);

  it('answers a repeated request from the cache at once, without computing', async () => {
    const posted = await compute.submit(SEED_REQUEST);
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    expect(posted.body).toMatchObject({ status: 'SUCCEEDED', cached: true });
    const job = (await compute.request('GET', `/v1/jobs/${posted.body['id']}`)).body;
    expect(job).toMatchObject({ status: 'SUCCEEDED', cached: true, cached_from: seedJob['id'] });
    expect(job['units'].every((u: Body) => u['cached'] && u['stages'].length === 0)).toBe(true);
    const again = (await compute.request('GET', `/v1/jobs/${posted.body['id']}/results`)).body;
    const first = (await compute.request('GET', `/v1/jobs/${seedJob['id']}/results`)).body;
    expect(again['units'].map((u: Body) => u['summary'])).toEqual(
      first['units'].map((u: Body) => u['summary']),
    );

    // Without use_cache the same request computes again.
    const fresh = await compute.submit({ ...SEED_REQUEST, use_cache: false });
    expect(fresh.status).toBe(202);
    const done = await compute.waitUntilDone(fresh.body['id']);
    expect(done['status']).toBe('SUCCEEDED');
    expect(done['units'].every((u: Body) => !u['cached'] && u['stages'].length === 5)).toBe(true);
  }, 120_000);

  it('classifies radiographs; a corrupt image fails alone and the job partially succeeds', async () => {
    const posted = await compute.submit({
      pipeline_tag: 'chest-xray-opacity-pipeline',
      input_tag: 'cxr',
      query: modelQuery(CLASSIFIER_MODEL_NAME),
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    const job = await compute.waitUntilDone(posted.body['id']);
    expect(job['status'], JSON.stringify(job)).toBe('PARTIALLY_SUCCEEDED');
    expect(job['progress']['images']['total']).toBe(3);
    const results = (await compute.request('GET', `/v1/jobs/${posted.body['id']}/results`)).body;
    const ok = results['units'].filter((u: Body) => u['state'] === 'SUCCEEDED');
    const failed = [
      ...results['units'].filter((u: Body) => u['state'] === 'FAILED'),
      ...results['failed_images'],
    ];
    expect(ok).toHaveLength(2);
    expect(failed).toHaveLength(1);
    expect(failed[0]['error']).toMatch(/pixel|truncat|short|HTTP|DICOM/i);
    const predictions = ok.map((u: Body) => u['summary']['classify']);
    expect(predictions.map((p: Body) => p['predicted']).sort()).toEqual(['no_opacity', 'opacity']);
    const opacity = predictions.find((p: Body) => p['predicted'] === 'opacity');
    const clear = predictions.find((p: Body) => p['predicted'] === 'no_opacity');
    expect(opacity).toMatchObject({ riskBand: 'high' });
    expect(opacity['riskScore']).toBeGreaterThan(90);
    expect(clear).toMatchObject({ riskBand: 'low' });
    expect(clear['riskScore']).toBeLessThan(10);
    expect(Object.keys(ok[0]['files'])).toEqual(
      expect.arrayContaining(['prediction.json', 'slices/0000.png']),
    );
  }, 120_000);

  it('the CLI submits a job and follows it with a progress bar to the end', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      [
        'job',
        'submit',
        '--compute',
        compute.url,
        '--pipeline',
        'chest-xray-opacity-pipeline',
        '--input-tag',
        'cxr',
        '--query',
        modelQuery(CLASSIFIER_MODEL_NAME),
        '--poll-ms',
        '50',
      ],
      {},
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    expect(err).toEqual([]);
    expect(code).toBe(4); // partially succeeded: the corrupt radiograph
    expect(out[0]).toMatch(/^job [0-9a-f-]{36} QUEUED$/);
    const bars = out.filter((l) => l.startsWith('['));
    expect(bars.length).toBeGreaterThan(1);
    expect(bars.at(-1)).toMatch(/^\[#{30}\] 100% {2}PARTIALLY_SUCCEEDED\s+units 2\/3 \(1 failed\)/);
    expect(out.some((l) => /unit u[0-9a-f]{16} failed: preprocess: /.test(l))).toBe(true);
    expect(out.at(-1)).toMatch(/^PARTIALLY_SUCCEEDED: results at .*render at http/);

    const refused = await runCli(
      [
        'job',
        'submit',
        '--compute',
        compute.url,
        '--pipeline',
        'nope',
        '--input-tag',
        'x',
        '--query',
        '{ a }',
      ],
      {},
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    expect(refused).toBe(1);
    expect(err.at(-1)).toMatch(/refused \(422 UNKNOWN_PIPELINE\)/);
  }, 60_000);

  it('`medfed worker --queues gpu` runs a worker that serves only the GPU queue', async () => {
    const worker = await compute.startWorker('gpu', {}, true);
    const log = await readFile(join(compute.dir, 'logs', `${worker.name}.log`), 'utf8');
    const ready = log.split('\n').find((l) => l.includes('compute worker ready'))!;
    expect(JSON.parse(ready)).toMatchObject({ queues: ['gpu'] });
    await worker.stop();
  }, 60_000);

  it('cancels a job: DELETE → 202 CANCELLED, it stays cancelled, a second DELETE is 409', async () => {
    const posted = await compute.submit({ ...SEED_REQUEST, use_cache: false });
    expect(posted.status).toBe(202);
    const cancelled = await compute.request('DELETE', `/v1/jobs/${posted.body['id']}`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body['status']).toBe('CANCELLED');
    await new Promise((r) => setTimeout(r, 1500));
    const job = (await compute.request('GET', `/v1/jobs/${posted.body['id']}`)).body;
    expect(job['status']).toBe('CANCELLED');
    expect(job['progress']['units']['succeeded']).toBe(0);
    const again = await compute.request('DELETE', `/v1/jobs/${posted.body['id']}`);
    expect(again.status).toBe(409);
    expect(again.type).toContain('application/problem+json');
    const missing = await compute.request(
      'DELETE',
      '/v1/jobs/00000000-0000-4000-8000-000000000000',
    );
    expect(missing.status).toBe(404);
  }, 60_000);

  it('lists jobs with filters and pages, and describes pipelines and the API', async () => {
    const all = await compute.request('GET', '/v1/jobs?limit=2');
    expect(all.status).toBe(200);
    expect(all.body['items']).toHaveLength(2);
    const next = await compute.request('GET', `/v1/jobs?limit=2&cursor=${all.body['next_cursor']}`);
    expect(next.body['items'][0]['id']).not.toBe(all.body['items'][0]['id']);
    const cancelled = await compute.request('GET', '/v1/jobs?status=CANCELLED');
    expect(cancelled.body['items'].length).toBeGreaterThan(0);
    expect(cancelled.body['items'].every((j: Body) => j['status'] === 'CANCELLED')).toBe(true);
    const bad = await compute.request('GET', '/v1/jobs?status=DONE');
    expect(bad.status).toBe(400);

    const pipelines = await compute.request('GET', '/v1/pipelines');
    expect(pipelines.body['items'].map((p: Body) => p['name']).sort()).toEqual([
      'brain-tumor-pipeline',
      'chest-xray-opacity-pipeline',
    ]);
    const one = await compute.request('GET', '/v1/pipelines/brain-tumor-pipeline');
    expect(one.body['stages'].find((s: Body) => s['name'] === 'infer')).toMatchObject({
      gpu: true,
    });
    expect((await compute.request('GET', '/v1/pipelines/nope')).status).toBe(404);
    const openapi = await compute.request('GET', '/openapi.json');
    expect(Object.keys(openapi.body['paths'])).toEqual(
      expect.arrayContaining([
        '/v1/jobs',
        '/v1/jobs/{id}',
        '/v1/jobs/{id}/results',
        '/v1/pipelines',
      ]),
    );
  });

  describe('refuses bad requests with a 4xx naming the problem, recording nothing', () => {
    const refusals: [string, unknown, number, string, RegExp][] = [
      [
        'an unknown pipeline',
        { ...SEED_REQUEST, pipeline_tag: 'liver-pipeline' },
        422,
        'UNKNOWN_PIPELINE',
        /liver-pipeline.*brain-tumor-pipeline/,
      ],
      [
        'an input_tag the pipeline lacks',
        { ...SEED_REQUEST, input_tag: 'ct' },
        422,
        'UNKNOWN_INPUT_TAG',
        /no input "ct".*dcm/,
      ],
      [
        'a query that does not parse',
        { ...SEED_REQUEST, query: '{ models(name: ' },
        422,
        'INVALID_QUERY',
        /Syntax Error/,
      ],
      [
        'a query the graph does not have',
        { ...SEED_REQUEST, query: '{ models { id nope } }', variables: {} },
        422,
        'INVALID_QUERY',
        /nope/,
      ],
      [
        'a mutation',
        { ...SEED_REQUEST, query: 'mutation { deleteModel(id: "1") }', variables: {} },
        422,
        'INVALID_QUERY',
        /only query operations/,
      ],
      [
        'a query with no model',
        { ...SEED_REQUEST, query: '{ medicalImages { nodes { id url } } }', variables: {} },
        422,
        'NO_MODEL',
        /names no model/,
      ],
      [
        'a model without images',
        {
          ...SEED_REQUEST,
          query: `{ models(name: "${SEED_MODEL_NAME}") { id name } }`,
          variables: {},
        },
        422,
        'NO_IMAGES',
        /no images/,
      ],
      [
        'images the input does not take',
        { ...SEED_REQUEST, query: modelQuery(CLASSIFIER_MODEL_NAME), variables: {} },
        422,
        'NO_IMAGES',
        /MRI_T1c.*XRAY/,
      ],
      [
        'several models',
        { ...SEED_REQUEST, query: '{ models { id medicalImages { id url } } }', variables: {} },
        422,
        'AMBIGUOUS_MODEL',
        /narrow it to one/,
      ],
      [
        'a missing field',
        { pipeline_tag: 'brain-tumor-pipeline', input_tag: 'dcm' },
        400,
        'BAD_USER_INPUT',
        /query/,
      ],
      [
        'an unknown field',
        { ...SEED_REQUEST, priority: 'high' },
        400,
        'BAD_USER_INPUT',
        /additional/i,
      ],
    ];
    it.each(refusals)('%s', async (_what, body, status, code, detail) => {
      const before = (await compute.request('GET', '/v1/jobs?limit=200')).body['items'].length;
      const response = await compute.submit(body);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.type).toContain('application/problem+json');
      expect(response.body['code']).toBe(code);
      expect(response.body['detail']).toMatch(detail);
      const after = (await compute.request('GET', '/v1/jobs?limit=200')).body['items'].length;
      expect(after).toBe(before);
    });

    it('an oversized body → 413', async () => {
      const response = await compute.submit({
        ...SEED_REQUEST,
        query: `# ${'x'.repeat(70_000)}\n${SEED_QUERY}`,
      });
      expect(response.status).toBe(413);
      expect(response.body['code']).toBe('PAYLOAD_TOO_LARGE');
    });
  });

  describe('model problems are clear failures', () => {
    const seed = SAMPLE_MODELS.find((m) => m.name === SEED_MODEL_NAME)!;
    const register = async (name: string, extra: Record<string, unknown>) => {
      const { body } = await compute.stack.query(REGISTER_MODEL, {
        input: { ...seed, name, outputLabels: ['background', 'enhancing_lesion'], ...extra },
      });
      expect(body.errors).toBeUndefined();
      return { ...SEED_REQUEST, use_cache: false, variables: { name } };
    };

    it('a model URL outside the allow-list → 422 before anything runs', async () => {
      const request = await register('outside_allow_list', {
        url: 'http://169.254.169.254/latest/model.onnx',
        sha256: compute.repo.segmenter.sha256,
      });
      const response = await compute.submit(request);
      expect(response.status).toBe(422);
      expect(response.body['code']).toBe('URL_NOT_ALLOWED');
      expect(response.body['detail']).toContain(
        '169.254.169.254:80 is not on the fetch allow-list',
      );
    });

    it('a model without sha256 → 422: its download could not be verified', async () => {
      const request = await register('no_checksum', { url: compute.repo.segmenter.url });
      const response = await compute.submit(request);
      expect(response.status).toBe(422);
      expect(response.body['code']).toBe('MODEL_UNVERIFIABLE');
    });

    it('a checksum mismatch fails the job, naming the model and both checksums', async () => {
      const request = await register('wrong_checksum', {
        url: compute.repo.segmenter.url,
        sha256: compute.repo.classifier.sha256,
      });
      const posted = await compute.submit(request);
      expect(posted.status).toBe(202);
      const job = await compute.waitUntilDone(posted.body['id']);
      expect(job['status']).toBe('FAILED');
      expect(job['error']).toContain('wrong_checksum');
      expect(job['error']).toContain(`expected sha256 ${compute.repo.classifier.sha256}`);
      expect(job['error']).toContain(compute.repo.segmenter.sha256);
    });

    it('an unreachable model URL fails the job with the HTTP status', async () => {
      const request = await register('missing_file', {
        url: `${compute.repo.url}/nothing-here/model.onnx`,
        sha256: compute.repo.segmenter.sha256,
      });
      const posted = await compute.submit(request);
      const job = await compute.waitUntilDone(posted.body['id']);
      expect(job['status']).toBe('FAILED');
      expect(job['error']).toMatch(/missing_file.*answered HTTP 404/);
    });
  });
});

describe('a worker killed with SIGKILL mid-job (storage on the S3 API)', () => {
  let imageDir: string;
  let compute: Compute;
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  beforeAll(async () => {
    imageDir = await mkdtemp(join(tmpdir(), 'medfed-compute-kill-'));
    await writeDemoImageSet(imageDir);
    s3 = await startS3rver();
    compute = await startCompute({ imageDir, s3, workerEnv: { WORKER_LOCK_MS: '2000' } });
  }, 120_000);
  afterAll(async () => {
    await compute?.close();
    await s3?.close();
    await rm(imageDir, { recursive: true, force: true });
  });

  it('does not stop the job: another worker finishes it, nothing lost or duplicated', async () => {
    const [first] = compute.workers;
    const posted = await compute.submit({ ...SEED_REQUEST, use_cache: false });
    expect(posted.status).toBe(202);
    // Kill as soon as the first worker has a stage running: the job is mid-flight.
    await compute.waitFor(posted.body['id'], (j) =>
      j['units'].some((u: Body) => u['stages'].some((s: Body) => s['state'] === 'RUNNING')),
    );
    first!.child.kill('SIGKILL');
    await compute.startWorker();
    const job = await compute.waitUntilDone(posted.body['id'], 90_000);
    expect(job['status'], JSON.stringify(job)).toBe('SUCCEEDED');
    expect(job['progress']['units']).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
    for (const unit of job['units']) {
      // One record per stage, each finished (a re-run replaces the killed run's record).
      expect(unit['stages'].map((s: Body) => s['state'])).toEqual(Array(5).fill('SUCCEEDED'));
    }
    const survivor = compute.workers[1]!.child.pid;
    expect(
      job['units'].some((u: Body) =>
        u['stages'].some((s: Body) => s['worker'].endsWith(`/${survivor}`)),
      ),
    ).toBe(true);

    const results = (await compute.request('GET', `/v1/jobs/${posted.body['id']}/results`)).body;
    for (const unit of results['units']) {
      const files = Object.keys(unit['files']);
      expect(new Set(files).size).toBe(files.length);
      const slices = files.filter((f) => f.startsWith('slices/')).length;
      expect(slices).toBeGreaterThan(0);
      expect(files.filter((f) => f.startsWith('overlays/')).length).toBe(slices);
      expect(files.filter((f) => !/^(slices|overlays)\//.test(f)).sort()).toEqual([
        'contours.json',
        'measurements.json',
        'segmentation.dcm',
      ]);
      const stored = await compute.runtime.store.get(
        `jobs/${posted.body['id']}/units/${unit['id']}/results/measurements.json`,
      );
      const measurements = JSON.parse(new TextDecoder().decode(stored));
      expect(measurements.totals.length).toBeLessThanOrEqual(1);
      expect(compute.runtime.store.location.kind).toBe('s3');
    }
  }, 150_000);
});
