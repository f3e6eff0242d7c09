import { createLogger } from '#common/logging/create-logger.js';
import { onShutdown } from '#common/process/on-shutdown.js';
import { readWorkerConfig } from './config.js';
import { createContentCache } from './fetch/content-cache.js';
import { safeFetch } from './fetch/safe-fetch.js';
import { connectRuntime } from './runtime.js';
import { startPipelineWorker } from './worker/pipeline-worker.js';
import { createThreadPool } from './worker/thread-pool.js';

/** A pipeline worker process: `medfed worker --queues gpu` (or WORKER_QUEUES=cpu,gpu). */
export async function runWorker(
  env: Readonly<Record<string, string | undefined>>,
  overrides: { queues?: string } = {},
) {
  const config = readWorkerConfig(env, overrides);
  const log = createLogger({ name: 'compute-worker', level: config.logLevel });
  const runtime = connectRuntime(config);
  const pool = createThreadPool({
    size: config.concurrency * config.queues.length,
    settings: {
      storage: config.storage,
      cacheDir: config.cacheDir,
      fetch: config.fetch,
      preferGpu: config.preferGpu,
      logLevel: config.logLevel,
    },
  });
  const worker = startPipelineWorker({
    connection: runtime.connection,
    prefix: config.prefix,
    queues: config.queues,
    concurrency: config.concurrency,
    lockMs: config.lockMs,
    jobs: runtime.jobs,
    store: runtime.store,
    cache: createContentCache({
      dir: config.cacheDir,
      fetch: (url) => safeFetch(url, config.fetch),
    }),
    pipelineQueues: runtime.queues,
    pool,
    log,
  });
  await worker.ready();
  log.info(
    { worker: worker.name, queues: config.queues, concurrency: config.concurrency },
    'compute worker ready',
  );
  onShutdown(log, async () => {
    await worker.close();
    await pool.close();
    await runtime.close();
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runWorker(process.env);
