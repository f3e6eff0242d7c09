import { z } from 'zod';
import {
  dynamoEnv,
  dynamoOf,
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
      ...dynamoEnv,
      ...registrationEnv,
      ...gatewayIdentityEnv,
    })
    .transform((env, ctx) => ({
      host: env.HOST,
      port: env.PORT,
      logLevel: env.LOG_LEVEL,
      ...dynamoOf(env, subgraph),
      publicUrl: env.PUBLIC_URL?.replace(/\/$/, ''),
      routingUrl: env.ROUTING_URL?.replace(/\/$/, ''),
      registration: registrationOf(env, ctx),
      gatewayPublicKey: gatewayKeyOf(env, ctx),
    }));
  return loadConfig(subgraph, schema, env);
}

export type DynamoSubgraphConfig = ReturnType<typeof readDynamoSubgraphConfig>;
