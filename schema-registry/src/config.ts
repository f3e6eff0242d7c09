import { z } from 'zod';
import { dynamoEnv, dynamoOf, logLevel, port, positiveInt } from '#common/config/env-schemas.js';
import { loadConfig } from '#common/config/load-config.js';

const schema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: port(4100),
    LOG_LEVEL: logLevel,
    ...dynamoEnv,
    REGISTRY_ADMIN_TOKEN: z
      .string({ error: 'REGISTRY_ADMIN_TOKEN is required (at least 24 characters)' })
      .min(24, 'REGISTRY_ADMIN_TOKEN must be at least 24 characters'),
    MAX_SDL_BYTES: positiveInt(4 * 1024 * 1024),
    /** Graphs to create at start-up if missing (comma-separated). */
    GRAPHS: z.string().default('medfed'),
  })
  .transform((env) => ({
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    ...dynamoOf(env, 'schema-registry'),
    adminToken: env.REGISTRY_ADMIN_TOKEN,
    maxSdlBytes: env.MAX_SDL_BYTES,
    graphs: env.GRAPHS.split(',')
      .map((g) => g.trim())
      .filter(Boolean),
  }));

export type RegistryConfig = z.output<typeof schema>;

export function readConfig(env: Readonly<Record<string, string | undefined>>): RegistryConfig {
  return loadConfig('schema-registry', schema, env);
}
