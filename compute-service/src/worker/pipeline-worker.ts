import { hostname } from 'node:os';
import { pid } from 'node:process';
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '#common/logging/create-logger.js';
import type { QueueName } from '../config.js';
import type { ContentCache } from '../fetch/content-cache.js';
import type { JobStore } from '../jobs/job-store.js';
import { isTerminal, type Unit } from '../jobs/job-types.js';
import {
  bullPrefixOf,
  queueNameOf,
  type PipelineQueues,
  type TaskData,
} from '../queue/pipeline-queues.js';
import type { ObjectStore } from '../storage/object-store.js';
import { cacheEntryKey, JobLevelError, prepareJob } from './prepare-job.js';
import { summaryKey } from './stage-executor.js';
import type { ThreadPool } from './thread-pool.js';

/**
 * A worker process's queue consumers: one BullMQ Worker per queue it serves (`cpu`, `gpu`), each
 * running up to `concurrency` tasks, every stage in the thread pool. It records each stage run,
 * queues the unit's next stage, finishes units (exactly once, see the job store) and, with the
 * last unit, the job. A worker killed mid-stage loses its lock; BullMQ hands the task to another
 * worker, which finds the finished outputs or recomputes the same ones.
 */
export function startPipelineWorker(deps: {
  connection: ConnectionOptions;
  prefix: string;
  queues: readonly QueueName[];
  concurrency: number;
  lockMs: number;
  jobs: JobStore;
  store: ObjectStore;
  cache: ContentCache;
  pipelineQueues: PipelineQueues;
  pool: ThreadPool;
  log: Logger;
}) {
  const { jobs, store, log } = deps;
  const workerName = `${hostname()}/${pid}`;

  async function unitFinished(jobId: string, finishedJob: boolean) {
    if (!finishedJob) return;
    const record = await jobs.get(jobId);
    if (record?.status === 'SUCCEEDED')
      await jobs.rememberFingerprint(record.spec.fingerprint, jobId);
    log.info({ job: jobId, status: record?.status }, 'job finished');
  }

  async function finishUnit(jobId: string, unit: Unit) {
    const result = await jobs.finishUnit(jobId, unit);
    await unitFinished(jobId, result === 2);
  }

  /** summary.json of a finished unit: its images, its files, and each stage's summary. */
  async function writeSummary(jobId: string, unit: Unit, stages: readonly { name: string }[]) {
    // Each stage that has a summary stored it as a small object; no stage output is read here.
    const summaries: Record<string, unknown> = {};
    for (const stage of stages) {
      const bytes = await store.get(summaryKey(jobId, unit.id, stage.name));
      if (bytes) summaries[stage.name] = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    }
    const files = (await store.list(unit.resultsPrefix))
      .map((k) => k.slice(unit.resultsPrefix.length + 1))
      .filter((k) => k !== 'summary.json');
    await store.put(
      `${unit.resultsPrefix}/summary.json`,
      JSON.stringify({
        unit: unit.id,
        images: unit.images.map((i) => i.id),
        files,
        stages: summaries,
      }),
    );
    await store.put(
      cacheEntryKey(unit.contentKey),
      JSON.stringify({ resultsPrefix: unit.resultsPrefix, job: jobId, unit: unit.id }),
    );
  }

  async function runStage(task: Job<TaskData>, data: Extract<TaskData, { kind: 'stage' }>) {
    const { jobId, unitId, stageIndex } = data;
    const status = await jobs.status(jobId);
    if (!status || isTerminal(status)) return 'skipped: job ended';
    const [spec, unit] = await Promise.all([jobs.spec(jobId), jobs.unit(jobId, unitId)]);
    if (!spec || !unit || unit.state === 'SUCCEEDED' || unit.state === 'FAILED')
      return 'skipped: unit ended';
    const definition = spec.pipeline.definition;
    const stage = definition.stages[stageIndex]!;
    await jobs.markUnitRunning(jobId, unit);
    const startedAt = new Date().toISOString();
    const attempt = task.attemptsMade + 1;
    await jobs.recordStage(jobId, {
      unit: unitId,
      stage: stage.name,
      state: 'RUNNING',
      attempt,
      startedAt,
      worker: workerName,
    });
    const outcome = await deps.pool.run({
      jobId,
      unit,
      stageIndex,
      pipeline: definition,
      model: spec.model,
    });
    const finishedAt = new Date().toISOString();
    if (!outcome.ok) {
      await jobs.recordStage(jobId, {
        unit: unitId,
        stage: stage.name,
        state: 'FAILED',
        attempt,
        startedAt,
        finishedAt,
        worker: workerName,
        error: outcome.message,
      });
      const lastAttempt = outcome.unrecoverable || attempt >= (task.opts.attempts ?? 1);
      if (lastAttempt) {
        await finishUnit(jobId, {
          ...unit,
          state: 'FAILED',
          error: `${stage.name}: ${outcome.message}`,
        });
        throw new UnrecoverableError(`${stage.name}: ${outcome.message}`);
      }
      throw new Error(`${stage.name}: ${outcome.message}`);
    }
    await jobs.recordStage(jobId, {
      unit: unitId,
      stage: stage.name,
      state: 'SUCCEEDED',
      attempt,
      startedAt,
      finishedAt,
      durationMs: outcome.ms,
      worker: workerName,
      ...(outcome.provider ? { provider: outcome.provider } : {}),
    });
    const next = definition.stages[stageIndex + 1];
    if (next) {
      await deps.pipelineQueues.enqueue(next.gpu ? 'gpu' : 'cpu', {
        kind: 'stage',
        jobId,
        unitId,
        stageIndex: stageIndex + 1,
      });
    } else {
      await writeSummary(jobId, unit, definition.stages);
      await finishUnit(jobId, { ...unit, state: 'SUCCEEDED' });
    }
    return outcome.skipped ? 'done (outputs existed)' : 'done';
  }

  async function process(task: Job<TaskData>) {
    const data = task.data;
    if (data.kind === 'stage') return runStage(task, data);
    try {
      await prepareJob(data.jobId, {
        jobs,
        cache: deps.cache,
        store,
        queues: deps.pipelineQueues,
        log,
        onUnitsFinished: unitFinished,
      });
      return 'prepared';
    } catch (error) {
      const lastAttempt =
        !(error instanceof JobLevelError && error.retryable) ||
        task.attemptsMade + 1 >= (task.opts.attempts ?? 1);
      if (lastAttempt) {
        await jobs.end(data.jobId, 'FAILED', (error as Error).message);
        throw new UnrecoverableError((error as Error).message);
      }
      throw error;
    }
  }

  const workers = deps.queues.map((queue) => {
    const worker = new Worker<TaskData>(queueNameOf(deps.prefix, queue), process, {
      connection: deps.connection,
      prefix: bullPrefixOf(deps.prefix),
      concurrency: deps.concurrency,
      lockDuration: deps.lockMs,
      stalledInterval: Math.max(500, Math.floor(deps.lockMs / 2)),
      maxStalledCount: 3,
      name: workerName,
    });
    worker.on('failed', (task, error) =>
      log.warn(
        { queue, task: task?.id, attempts: task?.attemptsMade, reason: error.message },
        'task failed',
      ),
    );
    worker.on('error', (error) => log.error({ queue, err: error }, 'worker error'));
    return worker;
  });

  return {
    name: workerName,
    async ready() {
      await Promise.all(workers.map((w) => w.waitUntilReady()));
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
