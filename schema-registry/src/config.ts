import { z } from 'zod';
import { dynamoEndpoint, logLevel, port, positiveInt } from '#common/config/env-schemas.js';
import { loadConfig } from '#common/config/load-config.js';

const schema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: port(4100),
    LOG_LEVEL: logLevel,
    DYNAMODB_ENDPOINT: dynamoEndpoint,
    DYNAMODB_REGION: z.string().default('us-east-1'),
    DYNALITE_PATH: z.string().optional(),
    TABLE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]*$/)
      .default('medfed-'),
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
    dynamo: {
      endpoint: env.DYNAMODB_ENDPOINT,
      region: env.DYNAMODB_REGION,
      dynalitePath: env.DYNALITE_PATH,
    },
    tableName: `${env.TABLE_PREFIX}schema-registry`,
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
