import { resolve } from 'node:path';
import { z } from 'zod';
import { booleanFlag, httpUrl, logLevel, port, positiveInt } from '#common/config/env-schemas.js';
import { loadConfig } from '#common/config/load-config.js';
import type { StorageLocation } from './storage/object-store.js';

const QUEUES = ['cpu', 'gpu'] as const;
export type QueueName = (typeof QUEUES)[number];

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Settings shared by the API and the workers (both need Redis, storage and the pipelines). */
const shared = {
  LOG_LEVEL: logLevel,
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key (queues and job records), so several deployments share a Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .default('medfed'),
  /** Object storage for stage outputs and results: a directory, unless S3_BUCKET is set. */
  STORAGE_DIR: z.string().default('.medfed/compute/storage'),
  /** An S3 bucket (AWS, or any S3-API store at S3_ENDPOINT) instead of STORAGE_DIR. */
  S3_BUCKET: z.string().min(3).optional(),
  S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/)*$/, "must be '' or end with /")
    .default('medfed/'),
  S3_REGION: z.string().default('us-east-1'),
  S3_ENDPOINT: httpUrl.optional(),
  S3_FORCE_PATH_STYLE: booleanFlag(false),
  /** Content-addressed download cache (models and images), shared by the workers of a host. */
  CACHE_DIR: z.string().default('.medfed/compute/cache'),
  PIPELINES_DIR: z.string().default('compute-service/pipelines'),
  /** host or host:port entries (or *.domain) that URLs from query results may point to. */
  FETCH_ALLOW_HOSTS: z.string().default(''),
  FETCH_ALLOW_LOOPBACK: booleanFlag(false),
  FETCH_MAX_BYTES: positiveInt(512 * 1024 * 1024),
  FETCH_TIMEOUT_MS: positiveInt(60_000),
};

const sharedOf = (env: z.output<z.ZodObject<typeof shared>>) => ({
  logLevel: env.LOG_LEVEL,
  redisUrl: env.REDIS_URL,
  prefix: env.REDIS_PREFIX,
  storage: (env.S3_BUCKET
    ? {
        kind: 's3',
        bucket: env.S3_BUCKET,
        prefix: env.S3_PREFIX,
        region: env.S3_REGION,
        ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
        forcePathStyle: env.S3_FORCE_PATH_STYLE,
      }
    : { kind: 'fs', dir: resolve(env.STORAGE_DIR) }) satisfies StorageLocation as StorageLocation,
  cacheDir: resolve(env.CACHE_DIR),
  pipelinesDir: resolve(env.PIPELINES_DIR),
  fetch: {
    allowedHosts: list(env.FETCH_ALLOW_HOSTS),
    allowLoopback: env.FETCH_ALLOW_LOOPBACK,
    maxBytes: env.FETCH_MAX_BYTES,
    timeoutMs: env.FETCH_TIMEOUT_MS,
  },
});

const apiSchema = z
  .object({
    ...shared,
    HOST: z.string().default('127.0.0.1'),
    PORT: port(4200),
    /** Where clients reach this service (job and render URLs); default http://HOST:PORT. */
    PUBLIC_URL: httpUrl.optional(),
    GATEWAY_URL: httpUrl.default('http://127.0.0.1:4000/graphql'),
    GATEWAY_TIMEOUT_MS: positiveInt(30_000),
    MAX_BODY_BYTES: positiveInt(256 * 1024),
  })
  .transform((env) => ({
    ...sharedOf(env),
    host: env.HOST,
    port: env.PORT,
    publicUrl: env.PUBLIC_URL,
    gatewayUrl: env.GATEWAY_URL,
    gatewayTimeoutMs: env.GATEWAY_TIMEOUT_MS,
    maxBodyBytes: env.MAX_BODY_BYTES,
  }));

const workerSchema = z
  .object({
    ...shared,
    WORKER_QUEUES: z
      .string()
      .default('cpu,gpu')
      .transform(list)
      .pipe(
        z
          .array(z.enum(QUEUES, { error: `queues are ${QUEUES.join(', ')}` }))
          .min(1, 'name at least one queue'),
      ),
    /** Stages run at once per queue (each in its own thread). */
    WORKER_CONCURRENCY: positiveInt(2),
    /** How long a stage's lock lasts without renewal: a killed worker's stage is retried after it. */
    WORKER_LOCK_MS: positiveInt(30_000),
    STAGE_ATTEMPTS: positiveInt(3),
    STAGE_BACKOFF_MS: positiveInt(1_000),
    /** Use CUDA when onnxruntime's CUDA provider is installed and a GPU answers. */
    PREFER_GPU: booleanFlag(true),
  })
  .transform((env) => ({
    ...sharedOf(env),
    queues: env.WORKER_QUEUES,
    concurrency: env.WORKER_CONCURRENCY,
    lockMs: env.WORKER_LOCK_MS,
    attempts: env.STAGE_ATTEMPTS,
    backoffMs: env.STAGE_BACKOFF_MS,
    preferGpu: env.PREFER_GPU,
  }));

export type ApiConfig = z.output<typeof apiSchema>;
export type WorkerConfig = z.output<typeof workerSchema>;
export type FetchSettings = ApiConfig['fetch'];

export function readApiConfig(env: Readonly<Record<string, string | undefined>>): ApiConfig {
  return loadConfig('compute-service', apiSchema, env);
}

export function readWorkerConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: { queues?: string } = {},
): WorkerConfig {
  return loadConfig('compute-worker', workerSchema, {
    ...env,
    ...(overrides.queues ? { WORKER_QUEUES: overrides.queues } : {}),
  });
}
