import { z } from 'zod';
import {
  dynamoEndpoint,
  logLevel,
  port,
  registrationEnv,
  registrationOf,
  gatewayIdentityEnv,
  gatewayKeyOf,
} from './env-schemas.js';
import { loadConfig } from './load-config.js';

/** Configuration shared by subgraphs that keep their data in DynamoDB (ai-models, metrics). */
export function readDynamoSubgraphConfig(
  subgraph: string,
  defaults: { port: number },
  env: Readonly<Record<string, string | undefined>>,
) {
  const schema = z
    .object({
      HOST: z.string().default('127.0.0.1'),
      PORT: port(defaults.port),
      LOG_LEVEL: logLevel,
      DYNAMODB_ENDPOINT: dynamoEndpoint,
      DYNAMODB_REGION: z.string().default('us-east-1'),
      DYNALITE_PATH: z.string().optional(),
      TABLE_PREFIX: z
        .string()
        .regex(/^[A-Za-z0-9_.-]*$/, 'only A-Z a-z 0-9 _ . - allowed')
        .default('medfed-'),
      ...registrationEnv,
      ...gatewayIdentityEnv,
    })
    .transform((env, ctx) => ({
      host: env.HOST,
      port: env.PORT,
      logLevel: env.LOG_LEVEL,
      dynamo: {
        endpoint: env.DYNAMODB_ENDPOINT,
        region: env.DYNAMODB_REGION,
        dynalitePath: env.DYNALITE_PATH,
      },
      tableName: `${env.TABLE_PREFIX}${subgraph}`,
      publicUrl: env.PUBLIC_URL?.replace(/\/$/, ''),
      routingUrl: env.ROUTING_URL?.replace(/\/$/, ''),
      registration: registrationOf(env, ctx),
      gatewayPublicKey: gatewayKeyOf(env, ctx),
    }));
  return loadConfig(subgraph, schema, env);
}

export type DynamoSubgraphConfig = ReturnType<typeof readDynamoSubgraphConfig>;
