import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { gql } from 'graphql-tag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSubgraphServer,
  type SubgraphServer,
} from '#common/graphql/create-subgraph-server.js';
import { createLogger } from '#common/logging/create-logger.js';
import type { GatewayServer } from '../gateway/src/app.js';
import { registerSubgraph } from '../schema-registry/src/client/register-subgraph.js';
import { RegistryClientError } from '../schema-registry/src/client/registry-client.js';
import { build as buildAiModels, typeDefs as aiModelsSdl } from '../subgraphs/ai-models/src/app.js';
import { createMemoryModelStore } from '../subgraphs/ai-models/src/memory-model-store.js';
import { build as buildMetrics, typeDefs as metricsSdl } from '../subgraphs/metrics/src/app.js';
import { createMemoryMetricStore } from '../subgraphs/metrics/src/memory-metric-store.js';
import { post } from './support/start-stack.js';
import {
  ADMIN_TOKEN,
  buildRegistryGateway,
  startRegistry,
  type TestRegistry,
} from './support/start-registry.js';

/**
 * The gateway follows the schema registry live (real registry over dynalite, real HTTP).
 * The delay from publish to queryable is printed: it is a measurement, not a pass/fail timing.
 */
const log = createLogger({ name: 'test', level: 'silent' });
const HOST = '127.0.0.1';
let dir: string;
let registry: TestRegistry;
const servers: { close(): Promise<void> }[] = [];
const urls: Record<string, string> = {};

const slowTypeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query {
    "Answers after 1.5 s, to hold a request in flight."
    slow: Int
  }
`;

async function listen(name: string, server: SubgraphServer) {
  servers.push(server);
  urls[name] = `${await server.listen({ host: HOST, port: 0 })}/graphql`;
}

function startGateway(cachePath: string) {
  const gateway = buildRegistryGateway({ registryUrl: registry.url, cachePath, log });
  servers.push(gateway);
  return gateway;
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let gateway: GatewayServer;
let gatewayUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medfed-regw-'));
  registry = await startRegistry();
  await listen('ai-models', await buildAiModels({ store: createMemoryModelStore(), log }));
  await listen('metrics', await buildMetrics({ store: createMemoryMetricStore(), log }));
  await listen(
    'slow',
    await createSubgraphServer({
      name: 'slow',
      typeDefs: slowTypeDefs,
      resolvers: { Query: { slow: () => new Promise((r) => setTimeout(() => r(42), 1_500)) } },
      context: () => ({}),
      log,
    }),
  );
  // ai-models and slow join by self-registration, as a starting subgraph does.
  for (const [name, sdl] of [
    ['ai-models', aiModelsSdl],
    ['slow', slowTypeDefs],
  ] as const) {
    const result = await registerSubgraph({
      registryUrl: registry.url,
      token: ADMIN_TOKEN,
      graph: 'medfed',
      name,
      url: urls[name]!,
      sdl: print(sdl),
      log,
    });
    expect(result?.outcome).toBe('created');
  }
  gateway = startGateway(join(dir, 'gw1', 'supergraph.json'));
  gatewayUrl = await gateway.listen({ host: HOST, port: 0 });
  await gateway.ready;
});

afterAll(async () => {
  for (const s of servers.reverse()) await s.close().catch(() => undefined);
  await registry?.close();
  await rm(dir, { recursive: true, force: true });
});

const modelsWithMetrics = '{ models { id metrics { name } } }';

describe('the gateway follows the registry', () => {
  it('serves what was registered and saves it to disk', async () => {
    expect((await post(gatewayUrl, '{ models { id } }')).body).toEqual({ data: { models: [] } });
    const saved = JSON.parse(await readFile(join(dir, 'gw1', 'supergraph.json'), 'utf8')) as {
      id: string;
      sdl: string;
    };
    const current = await registry.admin.supergraph('medfed');
    expect(
      current.changed && saved.id === current.supergraph.id && saved.sdl === current.supergraph.sdl,
    ).toBe(true);
    expect((await post(gatewayUrl, modelsWithMetrics)).status).toBe(400);
  });

  it('makes a newly published field queryable within a second', async () => {
    const started = performance.now();
    await registry.admin.publish('medfed', 'metrics', {
      url: urls['metrics']!,
      sdl: print(metricsSdl),
    });
    const published = performance.now();
    await until(async () =>
      (await post(gatewayUrl, modelsWithMetrics)).status === 200 ? true : undefined,
    );
    const visible = performance.now();
    console.log(
      `publish → queryable through the gateway: ${(visible - published).toFixed(0)} ms (publish call ${(published - started).toFixed(0)} ms)`,
    );
    expect(visible - published).toBeLessThan(1_000);
  });

  it('is unaffected by a publish the registry refuses', async () => {
    const before = gateway.schemaId();
    const broken =
      print(metricsSdl).replace('value: Float!', 'value: Float!\n  model: Model\n  id: ID!') +
      '\ntype Model @key(fields: "id") { id: String! }';
    const refused = await registry.admin
      .publish('medfed', 'metrics', { url: urls['metrics']!, sdl: broken })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RegistryClientError);
    expect(refused).toMatchObject({ status: 422, code: 'COMPOSITION_FAILED' });
    await new Promise((r) => setTimeout(r, 300));
    expect(gateway.schemaId()).toBe(before);
    expect((await post(gatewayUrl, modelsWithMetrics)).status).toBe(200);
  });

  it('lets an in-flight request finish on the old schema while a new one is applied', async () => {
    const inFlight = post(gatewayUrl, '{ slow }');
    await new Promise((r) => setTimeout(r, 300));
    const before = gateway.schemaId();
    await registry.admin.remove('medfed', 'slow', true);
    await until(async () => (gateway.schemaId() !== before ? true : undefined));
    const old = await inFlight;
    expect(old.body).toEqual({ data: { slow: 42 } });
    const after = await post(gatewayUrl, '{ slow }');
    expect(after.status).toBe(400);
    expect(after.body.errors![0]!.message).toMatch(/Cannot query field "slow"/);
  });
});

describe('when the registry is down', () => {
  it('keeps serving; a restarted gateway starts from the saved supergraph; changes flow again when it is back', async () => {
    const cache = join(dir, 'gw1', 'supergraph.json');
    await registry.stop();
    expect((await post(gatewayUrl, modelsWithMetrics)).status).toBe(200);

    // A second gateway booting while the registry is down starts from the first one's file.
    const restarted = startGateway(cache);
    const restartedUrl = await restarted.listen({ host: HOST, port: 0 });
    await restarted.ready;
    expect((await post(restartedUrl, modelsWithMetrics)).body).toEqual({ data: { models: [] } });

    await registry.start();
    await registry.admin.publish('medfed', 'slow', {
      url: urls['slow']!,
      sdl: print(slowTypeDefs),
    });
    for (const url of [gatewayUrl, restartedUrl]) {
      await until(
        async () => ((await post(url, '{ slow }')).status === 200 ? true : undefined),
        15_000,
      );
    }
  });
});
