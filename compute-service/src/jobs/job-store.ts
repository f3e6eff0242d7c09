import type { Redis } from 'ioredis';
import {
  isTerminal,
  type ImageState,
  type JobRecord,
  type JobSpec,
  type JobStatus,
  type StageRun,
  type Unit,
} from './job-types.js';

/**
 * Job records in Redis (small, hot, shared by the API and every worker; results themselves live in
 * object storage). One hash per job plus hashes of its images, units and stage runs. Every state
 * change that others race on is one Lua script, so a retried or duplicated stage (a killed worker's
 * job picked up again) cannot count a unit twice or finish a job twice.
 */
export function createJobStore(redis: Redis, prefix: string) {
  const key = (id: string) => `${prefix}:job:${id}`;
  const index = `${prefix}:jobs`;
  const fingerprintKey = (fp: string) => `${prefix}:fingerprint:${fp}`;
  const now = () => new Date().toISOString();

  /** Sets units once (a re-run of the preparing stage finds them set and changes nothing). */
  const SET_UNITS = `
    if redis.call('HEXISTS', KEYS[1], 'unitsTotal') == 1 then return 0 end
    local status = redis.call('HGET', KEYS[1], 'status')
    if status ~= 'QUEUED' and status ~= 'RUNNING' then return -1 end
    for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
    redis.call('HSET', KEYS[1], 'unitsTotal', (#ARGV - 1) / 2, 'status', 'RUNNING',
      'startedAt', ARGV[1], 'updatedAt', ARGV[1])
    return 1`;

  /** A unit reaches a terminal state once; the last one finishes the job. */
  const FINISH_UNIT = `
    local current = redis.call('HGET', KEYS[2], ARGV[1])
    if current then
      local state = cjson.decode(current)['state']
      if state == 'SUCCEEDED' or state == 'FAILED' or state == 'CANCELLED' then return 0 end
    end
    redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
    local done = redis.call('HINCRBY', KEYS[1], 'unitsTerminal', 1)
    redis.call('HINCRBY', KEYS[1], ARGV[3] == 'SUCCEEDED' and 'unitsSucceeded' or 'unitsFailed', 1)
    redis.call('HSET', KEYS[1], 'updatedAt', ARGV[4])
    local total = tonumber(redis.call('HGET', KEYS[1], 'unitsTotal') or '-1')
    local status = redis.call('HGET', KEYS[1], 'status')
    if done == total and (status == 'QUEUED' or status == 'RUNNING') then
      local ok = tonumber(redis.call('HGET', KEYS[1], 'unitsSucceeded') or '0')
      local final = ok == total and 'SUCCEEDED' or (ok == 0 and 'FAILED' or 'PARTIALLY_SUCCEEDED')
      redis.call('HSET', KEYS[1], 'status', final, 'finishedAt', ARGV[4])
      return 2
    end
    return 1`;

  /** Moves a job that is not finished yet to a terminal status (cancel, job-level failure). */
  const END_JOB = `
    local status = redis.call('HGET', KEYS[1], 'status')
    if status ~= 'QUEUED' and status ~= 'RUNNING' then return 0 end
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'finishedAt', ARGV[2], 'updatedAt', ARGV[2])
    if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[3]) end
    return 1`;

  const parseHash = <T>(hash: Record<string, string>): T[] =>
    Object.values(hash).map((v) => JSON.parse(v) as T);

  return {
    async create(
      spec: JobSpec,
      initial: { status: JobStatus; units?: readonly Unit[] } = { status: 'QUEUED' },
    ): Promise<void> {
      const at = spec.createdAt;
      const multi = redis.multi();
      multi.hset(key(spec.id), {
        spec: JSON.stringify(spec),
        status: initial.status,
        updatedAt: at,
        ...(isTerminal(initial.status) ? { startedAt: at, finishedAt: at } : {}),
      });
      if (initial.units) {
        const ok = initial.units.filter((u) => u.state === 'SUCCEEDED').length;
        multi.hset(key(spec.id), {
          unitsTotal: initial.units.length,
          unitsTerminal: initial.units.length,
          unitsSucceeded: ok,
          unitsFailed: initial.units.length - ok,
        });
        for (const u of initial.units) multi.hset(`${key(spec.id)}:units`, u.id, JSON.stringify(u));
      }
      for (const image of spec.images) {
        const state: ImageState = { id: image.id, state: 'PENDING' };
        multi.hset(`${key(spec.id)}:images`, image.id, JSON.stringify(state));
      }
      multi.zadd(index, Date.parse(at), spec.id);
      await multi.exec();
    },

    async get(id: string): Promise<JobRecord | undefined> {
      const [job, units, images, stages] = await Promise.all([
        redis.hgetall(key(id)),
        redis.hgetall(`${key(id)}:units`),
        redis.hgetall(`${key(id)}:images`),
        redis.hgetall(`${key(id)}:stages`),
      ]);
      if (!job['spec']) return undefined;
      const spec = JSON.parse(job['spec']) as JobSpec;
      const order = new Map(spec.images.map((image, i) => [image.id, i]));
      return {
        spec,
        status: job['status'] as JobStatus,
        updatedAt: job['updatedAt']!,
        ...(job['startedAt'] ? { startedAt: job['startedAt'] } : {}),
        ...(job['finishedAt'] ? { finishedAt: job['finishedAt'] } : {}),
        ...(job['error'] ? { error: job['error'] } : {}),
        ...(job['unitsTotal'] ? { unitsTotal: Number(job['unitsTotal']) } : {}),
        units: parseHash<Unit>(units).sort((a, b) => a.id.localeCompare(b.id)),
        images: parseHash<ImageState>(images).sort(
          (a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0),
        ),
        stages: parseHash<StageRun>(stages),
      };
    },

    async status(id: string): Promise<JobStatus | undefined> {
      return ((await redis.hget(key(id), 'status')) ?? undefined) as JobStatus | undefined;
    },

    async spec(id: string): Promise<JobSpec | undefined> {
      const raw = await redis.hget(key(id), 'spec');
      return raw ? (JSON.parse(raw) as JobSpec) : undefined;
    },

    /** Job ids, newest first, created before `before` (ms since epoch), at most `limit`. */
    async list(options: { limit: number; before?: number }): Promise<string[]> {
      return redis.zrevrangebyscore(
        index,
        options.before === undefined ? '+inf' : `(${options.before}`,
        '-inf',
        'LIMIT',
        0,
        options.limit,
      );
    },

    async setImages(id: string, images: readonly ImageState[]): Promise<void> {
      if (images.length === 0) return;
      await redis.hset(
        `${key(id)}:images`,
        Object.fromEntries(images.map((i) => [i.id, JSON.stringify(i)])),
      );
    },

    /** 1: units set now; 0: they were set before (a re-run); -1: the job already ended. */
    async setUnits(id: string, units: readonly Unit[]): Promise<number> {
      return (await redis.eval(
        SET_UNITS,
        2,
        key(id),
        `${key(id)}:units`,
        now(),
        ...units.flatMap((u) => [u.id, JSON.stringify(u)]),
      )) as number;
    },

    async unit(id: string, unitId: string): Promise<Unit | undefined> {
      const raw = await redis.hget(`${key(id)}:units`, unitId);
      return raw ? (JSON.parse(raw) as Unit) : undefined;
    },

    async markUnitRunning(id: string, unit: Unit): Promise<void> {
      if (unit.state !== 'PENDING') return;
      await redis.hset(
        `${key(id)}:units`,
        unit.id,
        JSON.stringify({ ...unit, state: 'RUNNING' } satisfies Unit),
      );
    },

    /** 0: the unit had ended before (nothing changes); 1: ended now; 2: and that ended the job. */
    async finishUnit(id: string, unit: Unit): Promise<number> {
      return (await redis.eval(
        FINISH_UNIT,
        2,
        key(id),
        `${key(id)}:units`,
        unit.id,
        JSON.stringify(unit),
        unit.state,
        now(),
      )) as number;
    },

    async recordStage(id: string, run: StageRun): Promise<void> {
      await redis.hset(`${key(id)}:stages`, `${run.unit}/${run.stage}`, JSON.stringify(run));
    },

    /** Ends a job that has not ended: CANCELLED, or FAILED with a job-level error. */
    async end(id: string, status: 'CANCELLED' | 'FAILED', error = ''): Promise<boolean> {
      return (await redis.eval(END_JOB, 1, key(id), status, now(), error)) === 1;
    },

    async rememberFingerprint(fingerprint: string, id: string): Promise<void> {
      await redis.set(fingerprintKey(fingerprint), id);
    },

    async byFingerprint(fingerprint: string): Promise<string | undefined> {
      return (await redis.get(fingerprintKey(fingerprint))) ?? undefined;
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
