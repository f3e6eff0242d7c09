import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '#common/redis/start-redis.js';
import { parsePipeline } from '../pipeline/pipeline-definition.js';
import { createJobStore, type JobStore } from './job-store.js';
import type { JobSpec, Unit } from './job-types.js';

const pipeline = parsePipeline(`name: p
version: 1.0.0
inputs: { dcm: { kind: dicom-image } }
stages:
  - { name: a, operator: dicom-preprocess, inputs: [dcm], outputs: [v] }
`);

describe('job store on a real Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let client: Redis;
  let jobs: JobStore;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    jobs = createJobStore(client, 'test');
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  const newJob = async (images = 3) => {
    const spec: JobSpec = {
      id: randomUUID(),
      pipeline: { name: 'p', version: '1.0.0', definition: pipeline },
      inputTag: 'dcm',
      useCache: false,
      model: {
        id: '1',
        name: 'm',
        version: '1',
        url: 'http://x/m',
        sha256: 'a'.repeat(64),
        labels: [],
      },
      images: Array.from({ length: images }, (_, i) => ({ id: `img-${i}`, url: `http://x/${i}` })),
      fingerprint: 'f',
      createdAt: new Date().toISOString(),
    };
    await jobs.create(spec);
    const units: Unit[] = spec.images.map((image, i) => ({
      id: `u${i}`,
      images: [{ id: image.id, sha256: 'b'.repeat(64) }],
      contentKey: `k${i}`,
      state: 'PENDING',
      resultsPrefix: `jobs/${spec.id}/units/u${i}/results`,
    }));
    return { spec, units };
  };

  it('sets units once; a re-run of preparation changes nothing', async () => {
    const { spec, units } = await newJob();
    expect(await jobs.setUnits(spec.id, units)).toBe(1);
    expect(await jobs.setUnits(spec.id, units.slice(0, 1))).toBe(0);
    const record = await jobs.get(spec.id);
    expect(record).toMatchObject({ status: 'RUNNING', unitsTotal: 3 });
    expect(record!.units).toHaveLength(3);
  });

  it('finishes each unit exactly once under racing duplicates, and the job once, partially', async () => {
    const { spec, units } = await newJob(3);
    await jobs.setUnits(spec.id, units);
    // Every unit finished by three racing workers at once (a retried task and its duplicate).
    const results = await Promise.all(
      units.flatMap((u, i) =>
        [0, 1, 2].map(() =>
          jobs.finishUnit(spec.id, { ...u, state: i === 2 ? 'FAILED' : 'SUCCEEDED' }),
        ),
      ),
    );
    expect(results.filter((r) => r === 0)).toHaveLength(6);
    expect(results.filter((r) => r === 2)).toHaveLength(1);
    const record = await jobs.get(spec.id);
    expect(record!.status).toBe('PARTIALLY_SUCCEEDED');
    expect(await client.hget(`test:job:${spec.id}`, 'unitsTerminal')).toBe('3');
  });

  it('cancels only a job that has not ended', async () => {
    const { spec, units } = await newJob(1);
    expect(await jobs.end(spec.id, 'CANCELLED')).toBe(true);
    expect(await jobs.end(spec.id, 'CANCELLED')).toBe(false);
    // A late unit cannot revive a cancelled job.
    await jobs.setUnits(spec.id, units);
    await jobs.finishUnit(spec.id, { ...units[0]!, state: 'SUCCEEDED' });
    expect(await jobs.status(spec.id)).toBe('CANCELLED');
  });

  it('lists newest first, paged by creation time', async () => {
    const ids = await jobs.list({ limit: 2 });
    expect(ids).toHaveLength(2);
    const created = await Promise.all(ids.map(async (id) => (await jobs.spec(id))!.createdAt));
    expect(created[0]! >= created[1]!).toBe(true);
    const next = await jobs.list({ limit: 10, before: Date.parse(created[1]!) });
    expect(next).not.toContain(ids[0]);
  });
});
