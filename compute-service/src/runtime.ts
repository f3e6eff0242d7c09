import { Redis } from 'ioredis';
import { createJobStore } from './jobs/job-store.js';
import { createPipelineQueues } from './queue/pipeline-queues.js';
import type { StorageLocation } from './storage/object-store.js';
import { openObjectStore } from './storage/open-object-store.js';

/**
 * What the API and the workers share: Redis (job records; BullMQ gets its own connections from
 * the same URL), the queues and object storage.
 */
export function connectRuntime(config: {
  redisUrl: string;
  prefix: string;
  storage: StorageLocation;
  attempts?: number;
  backoffMs?: number;
}) {
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const connection = { url: config.redisUrl, maxRetriesPerRequest: null };
  const queues = createPipelineQueues({
    connection,
    prefix: config.prefix,
    attempts: config.attempts ?? 3,
    backoffMs: config.backoffMs ?? 1000,
  });
  return {
    redis,
    connection,
    queues,
    jobs: createJobStore(redis, config.prefix),
    store: openObjectStore(config.storage),
    async close() {
      await queues.close();
      redis.disconnect();
    },
  };
}
