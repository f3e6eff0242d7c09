import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '#common/redis/start-redis.js';
import { runService, type RunningService } from '#common/process/run-service.js';
import { createLogger } from '#common/logging/create-logger.js';
import { REGISTER_MODEL } from '#fixtures/sample-models.js';
import { pipelineModelRegistrations, startModelRepository } from '#fixtures/model-repository.js';
import { build } from '../../compute-service/src/app.js';
import { loadPipelines } from '../../compute-service/src/pipeline/pipeline-definition.js';
import { connectRuntime } from '../../compute-service/src/runtime.js';
import { startStack } from './start-stack.js';

/** A JSON response body, read freely by the tests (they assert on what they read). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = Record<string, any>;

/**
 * The compute service end to end on loopback: the federated graph (in-process gateway and
 * subgraphs over `imageDir`), a real Redis, the model repository, the pipeline models registered
 * through the gateway, the compute API (in-process) and pipeline workers as their own processes
 * (their real main), started and killed by the test.
 */
export async function startCompute(options: {
  imageDir: string;
  workers?: { queues: string }[];
  workerEnv?: Record<string, string>;
  /** S3-API storage (endpoint and bucket) instead of a directory. */
  s3?: { endpoint: string; bucket: string };
  registrations?: (
    repo: Awaited<ReturnType<typeof startModelRepository>>,
  ) => Record<string, unknown>[];
}) {
  const dir = await mkdtemp(join(tmpdir(), 'medfed-compute-'));
  await mkdir(join(dir, 'logs'), { recursive: true });
  const redis = await startRedis();
  const repo = await startModelRepository(join(dir, 'models'));
  const stack = await startStack({ imageDir: options.imageDir });
  for (const input of (options.registrations ?? pipelineModelRegistrations)(repo)) {
    const { body } = await stack.query(REGISTER_MODEL, { input });
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  }
  const imagesHost = new URL(stack.subgraphUrl('medical-images')).host;
  const settings = {
    redisUrl: redis.url,
    prefix: `t${randomUUID().slice(0, 8)}`,
    storage: options.s3
      ? ({
          kind: 's3',
          bucket: options.s3.bucket,
          prefix: `${randomUUID().slice(0, 8)}/`,
          region: 'us-east-1',
          endpoint: options.s3.endpoint,
          forcePathStyle: true,
        } as const)
      : ({ kind: 'fs', dir: join(dir, 'storage') } as const),
    cacheDir: join(dir, 'cache'),
    allowedHosts: [imagesHost, repo.host],
  };
  const runtime = connectRuntime({ ...settings, attempts: 3, backoffMs: 200 });
  const log = createLogger({ name: 'compute-test', level: 'silent' });
  const api = await build({
    jobs: runtime.jobs,
    queues: runtime.queues,
    store: runtime.store,
    pipelines: await loadPipelines('compute-service/pipelines'),
    log,
    gatewayUrl: `${stack.gatewayUrl}/graphql`,
    gatewayTimeoutMs: 10_000,
    allowedHosts: settings.allowedHosts,
    maxBodyBytes: 64 * 1024,
  });
  const url = await api.listen({ host: '127.0.0.1', port: 0 });

  const workers: RunningService[] = [];
  let workerCount = 0;
  /** A worker process: its main, or (viaCli) the `medfed worker --queues ...` command. */
  async function startWorker(queues = 'cpu,gpu', env: Record<string, string> = {}, viaCli = false) {
    const name = `worker-${++workerCount}`;
    const worker = await runService({
      name,
      entry: viaCli ? 'bin/medfed.mjs' : 'compute-service/src/worker-main.ts',
      ...(viaCli ? { args: ['worker', '--queues', queues] } : {}),
      env: {
        LOG_LEVEL: 'info',
        REDIS_URL: settings.redisUrl,
        REDIS_PREFIX: settings.prefix,
        ...(settings.storage.kind === 's3'
          ? {
              S3_BUCKET: settings.storage.bucket,
              S3_PREFIX: settings.storage.prefix,
              S3_ENDPOINT: settings.storage.endpoint,
              S3_FORCE_PATH_STYLE: 'true',
              AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] ?? '',
              AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] ?? '',
            }
          : { STORAGE_DIR: settings.storage.dir }),
        CACHE_DIR: settings.cacheDir,
        FETCH_ALLOW_HOSTS: settings.allowedHosts.join(','),
        FETCH_ALLOW_LOOPBACK: 'true',
        WORKER_QUEUES: queues,
        WORKER_CONCURRENCY: '2',
        STAGE_BACKOFF_MS: '200',
        PREFER_GPU: 'false',
        ...options.workerEnv,
        ...env,
      },
      logFile: join(dir, 'logs', `${name}.log`),
      readyMessage: 'compute worker ready',
    });
    workers.push(worker);
    return worker;
  }
  for (const w of options.workers ?? [{ queues: 'cpu,gpu' }]) await startWorker(w.queues);

  async function request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const type = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      headers: response.headers,
      type,
      body: (type.includes('json') ? await response.json() : await response.text()) as Body,
    };
  }

  async function waitFor(id: string, test: (job: Body) => boolean, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await request('GET', `/v1/jobs/${id}`);
      if (test(body)) return body;
      if (Date.now() > deadline)
        throw new Error(`job ${id} timed out: ${JSON.stringify(body).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const TERMINAL = ['SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED', 'CANCELLED'];

  return {
    url,
    dir,
    stack,
    repo,
    runtime,
    workers,
    startWorker,
    request,
    submit: (body: unknown) => request('POST', '/v1/jobs', body),
    waitFor,
    waitUntilDone: (id: string, timeoutMs?: number) =>
      waitFor(id, (j) => TERMINAL.includes(j['status'] as string), timeoutMs),
    async close() {
      for (const w of workers) await w.stop();
      await api.close();
      await runtime.close();
      await stack.close();
      await repo.close();
      await redis.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type Compute = Awaited<ReturnType<typeof startCompute>>;
