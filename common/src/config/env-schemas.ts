import { z } from 'zod';

/** Reusable zod pieces for environment variables (strings in, typed values out). */
export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);

export const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);

export const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * Where DynamoDB lives: `embedded` starts dynalite in-process (the default, no cloud account),
 * `aws` uses the SDK's normal endpoint and credential chain, anything else is an endpoint URL
 * (DynamoDB Local, a shared dynalite, a VPC endpoint).
 */
export const dynamoEndpoint = z
  .union([z.literal('embedded'), z.literal('aws'), httpUrl])
  .default('embedded');

/** How a service reaches the schema registry: its URL, the graph, and a token. */
export function registryClientEnv() {
  return {
    REGISTRY_URL: httpUrl.optional(),
    REGISTRY_GRAPH: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/)
      .default('medfed'),
    REGISTRY_TOKEN: z.string().min(1).optional(),
  };
}

/**
 * Self-registration of a subgraph with the schema registry (REGISTER_ON_START=true): where the
 * registry is, the graph, the token, and the base URL the gateway should route to (ROUTING_URL,
 * else PUBLIC_URL, else the address the service listens on).
 */
export const registrationEnv = {
  REGISTER_ON_START: booleanFlag(false),
  ...registryClientEnv(),
  PUBLIC_URL: httpUrl.optional(),
  /** Where the gateway reaches this subgraph, if not PUBLIC_URL (e.g. a service name inside a cluster). */
  ROUTING_URL: httpUrl.optional(),
};

export type Registration =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly url: string;
      readonly graph: string;
      readonly token: string;
    };

export function registrationOf(
  env: {
    REGISTER_ON_START: boolean;
    REGISTRY_URL?: string | undefined;
    REGISTRY_GRAPH: string;
    REGISTRY_TOKEN?: string | undefined;
  },
  ctx: z.RefinementCtx,
): Registration {
  if (!env.REGISTER_ON_START) return { enabled: false };
  if (!env.REGISTRY_URL || !env.REGISTRY_TOKEN) {
    ctx.addIssue({
      code: 'custom',
      path: ['REGISTER_ON_START'],
      message: 'REGISTER_ON_START needs REGISTRY_URL and REGISTRY_TOKEN',
    });
    return { enabled: false };
  }
  return {
    enabled: true,
    url: env.REGISTRY_URL,
    graph: env.REGISTRY_GRAPH,
    token: env.REGISTRY_TOKEN,
  };
}

/** A JSON Web Key given as JSON in an environment variable. */
export const jwkJson = (name: string) =>
  z.string().transform((raw, ctx) => {
    try {
      const key = JSON.parse(raw) as unknown;
      if (key && typeof key === 'object' && 'kty' in key)
        return key as Record<string, unknown> & { kty: string };
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: `${name} must be a JSON Web Key (JSON with "kty")` });
    return z.NEVER;
  });

/**
 * How a subgraph knows a request came through the gateway: the gateway's public key
 * (GATEWAY_PUBLIC_KEY, Ed25519 JWK). Running without it takes an explicit
 * ALLOW_UNSIGNED_REQUESTS=true (development only: every caller then has every scope).
 */
export const gatewayIdentityEnv = {
  GATEWAY_PUBLIC_KEY: jwkJson('GATEWAY_PUBLIC_KEY').optional(),
  ALLOW_UNSIGNED_REQUESTS: booleanFlag(false),
};

export function gatewayKeyOf(
  env: {
    GATEWAY_PUBLIC_KEY?: Record<string, unknown> | undefined;
    ALLOW_UNSIGNED_REQUESTS: boolean;
  },
  ctx: z.RefinementCtx,
): Record<string, unknown> | undefined {
  if (!env.GATEWAY_PUBLIC_KEY && !env.ALLOW_UNSIGNED_REQUESTS) {
    ctx.addIssue({
      code: 'custom',
      path: ['GATEWAY_PUBLIC_KEY'],
      message: 'GATEWAY_PUBLIC_KEY is required (or ALLOW_UNSIGNED_REQUESTS=true for development)',
    });
  }
  return env.GATEWAY_PUBLIC_KEY;
}

/** Where a service keeps its DynamoDB tables: endpoint, region, dynalite path, table prefix. */
export const dynamoEnv = {
  DYNAMODB_ENDPOINT: dynamoEndpoint,
  DYNAMODB_REGION: z.string().default('us-east-1'),
  DYNALITE_PATH: z.string().optional(),
  TABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]*$/, 'only A-Z a-z 0-9 _ . - allowed')
    .default('medfed-'),
};

export function dynamoOf(
  env: {
    DYNAMODB_ENDPOINT: string;
    DYNAMODB_REGION: string;
    DYNALITE_PATH?: string | undefined;
    TABLE_PREFIX: string;
  },
  table: string,
) {
  return {
    dynamo: {
      endpoint: env.DYNAMODB_ENDPOINT,
      region: env.DYNAMODB_REGION,
      dynalitePath: env.DYNALITE_PATH,
    },
    tableName: `${env.TABLE_PREFIX}${table}`,
  };
}
