import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '#common/logging/create-logger.js';
import { createContentCache } from '../fetch/content-cache.js';
import { safeFetch } from '../fetch/safe-fetch.js';
import { createInferenceEngine } from '../inference/inference-engine.js';
import { openObjectStore } from '../storage/open-object-store.js';
import { createStageExecutor, type StageTask } from './stage-executor.js';
import type { ThreadSettings } from './thread-pool.js';

// A stage thread: CPU-heavy work (decoding, post-processing, PNG encoding) and inference run here,
// off the worker's event loop, which keeps renewing its queue locks meanwhile. Each thread keeps
// its own warm ONNX sessions.
const settings = (workerData as { settings: ThreadSettings }).settings;
const log = createLogger({ name: 'compute-stage', level: settings.logLevel });
const executor = createStageExecutor({
  store: openObjectStore(settings.storage),
  cache: createContentCache({
    dir: settings.cacheDir,
    fetch: (url) => safeFetch(url, settings.fetch),
  }),
  // One intra-op thread per stage thread: the pool already runs stages in parallel, and letting
  // every session spread over all cores oversubscribes the CPU (measured: bench/compute).
  engine: createInferenceEngine({ log, preferGpu: settings.preferGpu, intraOpThreads: 1 }),
});

parentPort!.on('message', (message: { id: number; task: StageTask }) => {
  void executor
    .execute(message.task)
    .then((outcome) => parentPort!.postMessage({ id: message.id, outcome }));
});
