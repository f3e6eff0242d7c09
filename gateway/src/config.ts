import { parseArgs } from 'node:util';
import { z } from 'zod';
import { booleanFlag, httpUrl, logLevel, port, positiveInt } from '#common/config/env-schemas.js';
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
    REGISTRY_URL: httpUrl.optional(),
    REGISTRY_GRAPH: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/)
      .default('medfed'),
    REGISTRY_TOKEN: z.string().min(1).optional(),
    SUPERGRAPH_CACHE_PATH: z.string().min(1).default('.medfed/gateway/supergraph.json'),
    POLL_INTERVAL_MS: z.coerce.number().int().min(0).default(10_000),
    STARTUP_TIMEOUT_MS: positiveInt(120_000),
    SUBGRAPH_TIMEOUT_MS: positiveInt(30_000),
    MAX_DEPTH: positiveInt(12),
    MAX_ALIASES: positiveInt(30),
    MAX_TOKENS: positiveInt(5_000),
    MAX_BODY_BYTES: positiveInt(100 * 1024),
    INTROSPECTION: booleanFlag(false),
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
    limits: {
      maxDepth: env.MAX_DEPTH,
      maxAliases: env.MAX_ALIASES,
      maxTokens: env.MAX_TOKENS,
      maxBodyBytes: env.MAX_BODY_BYTES,
    },
    introspection: env.INTROSPECTION,
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
