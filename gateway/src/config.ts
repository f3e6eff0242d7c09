import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { JWK } from 'jose';
import {
  booleanFlag,
  httpUrl,
  jwkJson,
  logLevel,
  port,
  positiveInt,
  registryClientEnv,
} from '#common/config/env-schemas.js';

const apiKeys = z.array(
  z.object({
    name: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    scopes: z.array(z.string().min(1)),
  }),
);
import { loadConfig } from '#common/config/load-config.js';

const subgraphList = z.string().transform((raw, ctx) => {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const eq = entry.indexOf('=');
      const name = entry.slice(0, eq).trim();
      const url = entry.slice(eq + 1).trim();
      const okName = eq > 0 && /^[a-z][a-z0-9-]*$/.test(name);
      const okUrl = httpUrl.safeParse(url).success;
      if (!okName || !okUrl) {
        ctx.addIssue({
          code: 'custom',
          message: `"${entry}" is not name=http(s)://url (name: lowercase letters, digits, -)`,
        });
      }
      return { name, url };
    });
  if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'no subgraphs listed' });
  if (new Set(entries.map((e) => e.name)).size !== entries.length) {
    ctx.addIssue({ code: 'custom', message: 'a subgraph name is listed twice' });
  }
  return entries;
});

const schema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: port(4000),
    LOG_LEVEL: logLevel,
    SUBGRAPHS: subgraphList.optional(),
    SUPERGRAPH_PATH: z.string().min(1).optional(),
    ...registryClientEnv(),
    SUPERGRAPH_CACHE_PATH: z.string().min(1).default('.medfed/gateway/supergraph.json'),
    POLL_INTERVAL_MS: z.coerce.number().int().min(0).default(10_000),
    STARTUP_TIMEOUT_MS: positiveInt(120_000),
    SUBGRAPH_TIMEOUT_MS: positiveInt(30_000),
    MAX_DEPTH: positiveInt(12),
    MAX_ALIASES: positiveInt(30),
    MAX_TOKENS: positiveInt(5_000),
    /** Approximate size bound of the query-plan cache, in MiB. */
    QUERY_PLAN_CACHE_MIB: positiveInt(30),
    /** `lean` (default): medfed's result shaping; `apollo`: @apollo/gateway's own. */
    RESULT_SHAPING: z.enum(['lean', 'apollo']).default('lean'),
    MAX_BODY_BYTES: positiveInt(100 * 1024),
    INTROSPECTION: booleanFlag(false),
    AUTH_API_KEYS: z
      .string()
      .transform((raw, ctx) => {
        const parsed = apiKeys.safeParse(
          (() => {
            try {
              return JSON.parse(raw) as unknown;
            } catch {
              return undefined;
            }
          })(),
        );
        if (parsed.success) return parsed.data;
        ctx.addIssue({
          code: 'custom',
          message:
            'AUTH_API_KEYS must be JSON: [{"name","sha256" (hex of the key),"scopes":[...]}]',
        });
        return z.NEVER;
      })
      .optional(),
    AUTH_JWKS_FILE: z.string().min(1).optional(),
    AUTH_JWKS_URL: httpUrl.optional(),
    AUTH_JWT_ISSUER: z.string().min(1).optional(),
    AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
    /** Set (even empty) to let callers without credentials in, with these scopes. */
    AUTH_ANONYMOUS_SCOPES: z.string().optional(),
    IDENTITY_PRIVATE_KEY: jwkJson('IDENTITY_PRIVATE_KEY').optional(),
    ALLOW_UNSIGNED_SUBGRAPH_REQUESTS: booleanFlag(false),
  })
  .superRefine((env, ctx) => {
    const sources = [env.SUBGRAPHS, env.SUPERGRAPH_PATH, env.REGISTRY_URL].filter(Boolean).length;
    if (sources !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['SUBGRAPHS'],
        message:
          'set exactly one of REGISTRY_URL, SUBGRAPHS (name=url,...) or SUPERGRAPH_PATH (--supergraph)',
      });
    }
    const jwks = env.AUTH_JWKS_FILE ?? env.AUTH_JWKS_URL;
    if (jwks && (!env.AUTH_JWT_ISSUER || !env.AUTH_JWT_AUDIENCE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_ISSUER'],
        message: 'JWT validation needs AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE',
      });
    }
    if (!env.AUTH_API_KEYS?.length && !jwks && env.AUTH_ANONYMOUS_SCOPES === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_API_KEYS'],
        message:
          'no way in: set AUTH_API_KEYS, AUTH_JWKS_FILE/AUTH_JWKS_URL, or AUTH_ANONYMOUS_SCOPES',
      });
    }
    if (!env.IDENTITY_PRIVATE_KEY && !env.ALLOW_UNSIGNED_SUBGRAPH_REQUESTS) {
      ctx.addIssue({
        code: 'custom',
        path: ['IDENTITY_PRIVATE_KEY'],
        message:
          'IDENTITY_PRIVATE_KEY is required (or ALLOW_UNSIGNED_SUBGRAPH_REQUESTS=true for development)',
      });
    }
    if (env.REGISTRY_URL && !env.REGISTRY_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['REGISTRY_TOKEN'],
        message: 'REGISTRY_TOKEN is required with REGISTRY_URL',
      });
    }
  })
  .transform((env) => ({
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    supergraph: env.REGISTRY_URL
      ? ({
          kind: 'registry',
          url: env.REGISTRY_URL,
          graph: env.REGISTRY_GRAPH,
          token: env.REGISTRY_TOKEN ?? '',
          cachePath: env.SUPERGRAPH_CACHE_PATH,
        } as const)
      : env.SUPERGRAPH_PATH
        ? ({ kind: 'file', path: env.SUPERGRAPH_PATH } as const)
        : ({
            kind: 'subgraphs',
            subgraphs: env.SUBGRAPHS ?? [],
            pollIntervalMs: env.POLL_INTERVAL_MS,
          } as const),
    startupTimeoutMs: env.STARTUP_TIMEOUT_MS,
    subgraphTimeoutMs: env.SUBGRAPH_TIMEOUT_MS,
    queryPlanCacheMiB: env.QUERY_PLAN_CACHE_MIB,
    resultShaping: env.RESULT_SHAPING,
    limits: {
      maxDepth: env.MAX_DEPTH,
      maxAliases: env.MAX_ALIASES,
      maxTokens: env.MAX_TOKENS,
      maxBodyBytes: env.MAX_BODY_BYTES,
    },
    introspection: env.INTROSPECTION,
    auth: {
      apiKeys: env.AUTH_API_KEYS ?? [],
      jwt:
        (env.AUTH_JWKS_FILE ?? env.AUTH_JWKS_URL)
          ? {
              jwks: env.AUTH_JWKS_FILE
                ? { file: env.AUTH_JWKS_FILE }
                : { url: env.AUTH_JWKS_URL ?? '' },
              issuer: env.AUTH_JWT_ISSUER ?? '',
              audience: env.AUTH_JWT_AUDIENCE ?? '',
            }
          : undefined,
      anonymousScopes:
        env.AUTH_ANONYMOUS_SCOPES === undefined
          ? undefined
          : env.AUTH_ANONYMOUS_SCOPES.split(/[\s,]+/).filter(Boolean),
    },
    identityPrivateKey: env.IDENTITY_PRIVATE_KEY as JWK | undefined,
  }));

export type GatewayConfig = z.output<typeof schema>;
export type SupergraphConfig = GatewayConfig['supergraph'];

/** Reads the gateway's configuration: environment first, command-line flags override. */
export function readConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[] = [],
): GatewayConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      supergraph: { type: 'string' },
      subgraphs: { type: 'string' },
      port: { type: 'string' },
    },
    strict: true,
  });
  return loadConfig('gateway', schema, {
    ...env,
    ...(values.supergraph
      ? { SUPERGRAPH_PATH: values.supergraph, SUBGRAPHS: undefined, REGISTRY_URL: undefined }
      : {}),
    ...(values.subgraphs
      ? { SUBGRAPHS: values.subgraphs, SUPERGRAPH_PATH: undefined, REGISTRY_URL: undefined }
      : {}),
    ...(values.port ? { PORT: values.port } : {}),
  });
}
