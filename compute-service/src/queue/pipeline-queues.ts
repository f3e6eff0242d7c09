import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { QueueName } from '../config.js';

/** What a queued task asks for: prepare a job (fetch, group, cache check) or run one stage. */
export type TaskData =
  | { readonly kind: 'prepare'; readonly jobId: string }
  | {
      readonly kind: 'stage';
      readonly jobId: string;
      readonly unitId: string;
      readonly stageIndex: number;
    };

export const queueNameOf = (prefix: string, queue: QueueName) => `${prefix}-${queue}`;
export const bullPrefixOf = (prefix: string) => `${prefix}:bull`;

/**
 * The BullMQ queues: `cpu` (preparing, pre- and post-processing) and `gpu` (stages marked
 * gpu: true), so GPU workers scale on their own. Task ids are deterministic, so enqueueing the same
 * task twice (a re-run after a crash) adds it once.
 */
export function createPipelineQueues(options: {
  connection: ConnectionOptions;
  prefix: string;
  attempts: number;
  backoffMs: number;
}) {
  const defaults: JobsOptions = {
    attempts: options.attempts,
    backoff: { type: 'exponential', delay: options.backoffMs },
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
  const queues = {
    cpu: new Queue<TaskData>(queueNameOf(options.prefix, 'cpu'), {
      connection: options.connection,
      prefix: bullPrefixOf(options.prefix),
      defaultJobOptions: defaults,
    }),
    gpu: new Queue<TaskData>(queueNameOf(options.prefix, 'gpu'), {
      connection: options.connection,
      prefix: bullPrefixOf(options.prefix),
      defaultJobOptions: defaults,
    }),
  };
  const taskId = (data: TaskData) =>
    data.kind === 'prepare'
      ? `${data.jobId}.prepare`
      : `${data.jobId}.${data.unitId}.${data.stageIndex}`;

  return {
    queues,
    async enqueue(queue: QueueName, data: TaskData): Promise<void> {
      await queues[queue].add(data.kind, data, { jobId: taskId(data) });
    },
    /** Removes a job's tasks that are still waiting (running ones see the cancel and stop). */
    async removeWaiting(jobId: string): Promise<number> {
      let removed = 0;
      for (const queue of Object.values(queues)) {
        const waiting = await queue.getJobs(['waiting', 'delayed', 'prioritized'], 0, 10_000);
        for (const task of waiting) {
          if (task.data.jobId === jobId && task.id) removed += await queue.remove(task.id);
        }
      }
      return removed;
    },
    async depths(): Promise<Record<QueueName, Record<string, number>>> {
      return {
        cpu: await queues.cpu.getJobCounts('waiting', 'active', 'delayed', 'failed'),
        gpu: await queues.gpu.getJobCounts('waiting', 'active', 'delayed', 'failed'),
      };
    },
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
    },
  };
}

export type PipelineQueues = ReturnType<typeof createPipelineQueues>;
