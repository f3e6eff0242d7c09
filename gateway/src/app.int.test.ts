import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '#common/logging/create-logger.js';
import { freePort } from '#common/testing/free-port.js';
import type { SubgraphServer } from '#common/graphql/create-subgraph-server.js';
import {
  build as buildAiModels,
  typeDefs as aiModelsTypeDefs,
} from '../../subgraphs/ai-models/src/app.js';
import { createMemoryModelStore } from '../../subgraphs/ai-models/src/memory-model-store.js';
import {
  build as buildMetrics,
  typeDefs as metricsTypeDefs,
} from '../../subgraphs/metrics/src/app.js';
import { createMemoryMetricStore } from '../../subgraphs/metrics/src/memory-metric-store.js';
import { build, type GatewayServer } from './app.js';
import { composeSupergraph } from '#common/graphql/compose-supergraph.js';

const log = createLogger({ name: 'test', level: 'silent' });
const limits = { maxDepth: 12, maxAliases: 30, maxTokens: 5000, maxBodyBytes: 100_000 };
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start<T extends SubgraphServer | GatewayServer>(server: T, port = 0) {
  cleanups.push(() => server.close());
  return server.listen({ host: '127.0.0.1', port });
}

async function gql(url: string, query: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: unknown;
      errors?: { extensions?: { code?: string } }[];
    },
  };
}

describe('gateway start-up', () => {
  it('serves /health 503 and GraphQL 503 until the subgraphs are up, then composes', async () => {
    const port = await freePort();
    const gateway = build(
      {
        supergraph: {
          kind: 'subgraphs',
          subgraphs: [{ name: 'ai-models', url: `http://127.0.0.1:${port}/graphql` }],
          pollIntervalMs: 0,
        },
        limits,
        introspection: false,
        subgraphTimeoutMs: 2_000,
        startupTimeoutMs: 20_000,
      },
      { log },
    );
    const url = await start(gateway);
    expect((await fetch(`${url}/health`)).status).toBe(503);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const early = await gql(url, '{ models { id } }');
    expect(early.status).toBe(503);
    expect(early.body.errors![0]!.extensions!.code).toBe('SCHEMA_NOT_LOADED');

    await start(await buildAiModels({ store: createMemoryModelStore(), log }), port);
    await gateway.ready;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await gql(url, '{ models { id } }')).body).toEqual({ data: { models: [] } });
  });

  it('gives up with a rejected `ready` when no supergraph can be composed in time', async () => {
    const port = await freePort();
    const gateway = build(
      {
        supergraph: {
          kind: 'subgraphs',
          subgraphs: [{ name: 'x', url: `http://127.0.0.1:${port}/graphql` }],
          pollIntervalMs: 0,
        },
        limits,
        introspection: false,
        subgraphTimeoutMs: 500,
        startupTimeoutMs: 300,
      },
      { log },
    );
    cleanups.push(() => gateway.close());
    await expect(gateway.ready).rejects.toThrow();
  });
});

describe('gateway from a supergraph file (--supergraph)', () => {
  /**
   * ai-models (at two addresses over one store) and metrics, a supergraph file composed from them,
   * and a gateway following that file.
   */
  async function startFileGateway() {
    const dir = await mkdtemp(join(tmpdir(), 'medfed-sg-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const store = createMemoryModelStore();
    const urlA = `${await start(await buildAiModels({ store, log }))}/graphql`;
    const urlB = `${await start(await buildAiModels({ store, log }))}/graphql`;
    const metricsUrl = `${await start(await buildMetrics({ store: createMemoryMetricStore(), log }))}/graphql`;
    const compose = (modelsUrl: string, withMetrics = false) => {
      const result = composeSupergraph([
        { name: 'ai-models', url: modelsUrl, sdl: print(aiModelsTypeDefs) },
        ...(withMetrics ? [{ name: 'metrics', url: metricsUrl, sdl: print(metricsTypeDefs) }] : []),
      ]);
      if (!result.ok) throw new Error(result.errors.join('\n'));
      return result.supergraphSdl;
    };
    const file = join(dir, 'supergraph.graphql');
    await writeFile(file, compose(urlA));
    const gateway = build(
      {
        supergraph: { kind: 'file', path: file },
        limits,
        introspection: false,
        subgraphTimeoutMs: 2_000,
        startupTimeoutMs: 5_000,
      },
      { log },
    );
    const url = await start(gateway);
    await gateway.ready;
    const waitForNewSchema = async (previous: string | undefined) => {
      const deadline = Date.now() + 10_000;
      while (gateway.schemaId() === previous && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(gateway.schemaId()).not.toBe(previous);
    };
    return { compose, urlA, urlB, file, gateway, url, waitForNewSchema };
  }

  it('serves the file, and applies a changed file while it keeps serving', async () => {
    const { compose, urlA, file, gateway, url, waitForNewSchema } = await startFileGateway();
    const firstId = gateway.schemaId();
    expect((await gql(url, '{ models { id } }')).body).toEqual({ data: { models: [] } });
    expect(
      (await gql(url, '{ metrics(subjectType: MODEL, subjectId: "1") { name } }')).status,
    ).toBe(400);

    await writeFile(file, 'this is not a supergraph');
    await new Promise((r) => setTimeout(r, 2_500));
    expect(gateway.schemaId()).toBe(firstId);
    expect((await gql(url, '{ models { id } }')).status).toBe(200);

    await writeFile(file, compose(urlA, true));
    await waitForNewSchema(firstId);
    expect(
      (await gql(url, '{ metrics(subjectType: MODEL, subjectId: "1") { name } }')).body,
    ).toEqual({
      data: { metrics: [] },
    });
  });

  it('keeps query plans across an update that only moves a subgraph, and re-plans on a schema change', async () => {
    const { compose, urlB, file, gateway, url, waitForNewSchema } = await startFileGateway();
    const query = '{ models { id name } }';
    expect((await gql(url, query)).status).toBe(200);
    expect((await gql(url, query)).status).toBe(200);
    expect(gateway.planCacheStats()).toEqual({ hits: 1, misses: 1 });

    // The subgraph moves to another address: the plan is still valid and is reused.
    let previous = gateway.schemaId();
    await writeFile(file, compose(urlB));
    await waitForNewSchema(previous);
    expect((await gql(url, query)).body).toEqual({ data: { models: [] } });
    expect(gateway.planCacheStats()).toEqual({ hits: 2, misses: 1 });

    // A real schema change: the same operation is planned again.
    previous = gateway.schemaId();
    await writeFile(file, compose(urlB, true));
    await waitForNewSchema(previous);
    expect((await gql(url, query)).status).toBe(200);
    expect(gateway.planCacheStats()).toEqual({ hits: 2, misses: 2 });
  });

  it('reports composition errors as values', () => {
    const result = composeSupergraph([
      { name: 'a', url: 'http://a', sdl: 'type Query { x: Int }' },
      { name: 'b', url: 'http://b', sdl: 'type Query { x: String }' },
    ]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join()).toMatch(/x/);
    const broken = composeSupergraph([{ name: 'a', url: 'http://a', sdl: 'type Query {' }]);
    expect(broken).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/^\[a\] Syntax Error/)],
    });
  });
});
