import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeDefs as aiModels } from '../../subgraphs/ai-models/src/app.js';
import { typeDefs as medicalImages } from '../../subgraphs/medical-images/src/app.js';
import { typeDefs as metrics } from '../../subgraphs/metrics/src/app.js';
import {
  ADMIN_TOKEN,
  startRegistry,
  type TestRegistry,
} from '../../test/support/start-registry.js';
import { RegistryClientError } from './client/registry-client.js';

const SDL = {
  'ai-models': print(aiModels),
  'medical-images': print(medicalImages),
  metrics: print(metrics),
};
const url = (name: string) => `http://${name}.example:4000/graphql`;
let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry({ graphs: ['medfed', 'other'] });
});
afterAll(() => registry?.close());

async function raw(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = ADMIN_TOKEN,
) {
  const response = await fetch(`${registry.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  };
}

const versionCount = async (graph = 'medfed') => (await registry.admin.history(graph, 500)).length;

async function expectRefused(
  promise: Promise<unknown>,
  status: number,
  code: string,
  detail?: RegExp,
) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryClientError);
  expect((error as RegistryClientError).status).toBe(status);
  expect((error as RegistryClientError).code).toBe(code);
  if (detail) expect((error as RegistryClientError).message).toMatch(detail);
}

describe('publishing', () => {
  it('publishes, serves the supergraph with an ETag, answers 304, and ignores a no-op', async () => {
    const first = await registry.admin.publish('medfed', 'ai-models', {
      url: url('ai-models'),
      sdl: SDL['ai-models'],
    });
    expect(first).toMatchObject({ outcome: 'created', version: 1, breakingChanges: [] });
    const sg = await raw('GET', '/v1/graphs/medfed/supergraph');
    expect(sg.status).toBe(200);
    expect(sg.headers.get('etag')).toBe(`"${first.supergraphId}"`);
    expect(sg.body!['sdl']).toContain('join__Graph');
    const again = await fetch(`${registry.url}/v1/graphs/medfed/supergraph`, {
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'if-none-match': `"${first.supergraphId}"`,
      },
    });
    expect(again.status).toBe(304);
    const noop = await registry.admin.publish('medfed', 'ai-models', {
      url: url('ai-models'),
      sdl: SDL['ai-models'],
    });
    expect(noop).toMatchObject({ outcome: 'unchanged', version: 1 });
    for (const name of ['medical-images', 'metrics'] as const) {
      expect(
        (await registry.admin.publish('medfed', name, { url: url(name), sdl: SDL[name] })).outcome,
      ).toBe('created');
    }
    const listed = await registry.admin.list('medfed');
    expect(listed.subgraphs.map((s) => [s.name, s.revision])).toEqual([
      ['ai-models', 1],
      ['medical-images', 1],
      ['metrics', 1],
    ]);
  });

  it('refuses a publish that does not compose with 422 and the composition errors, storing nothing', async () => {
    const before = await versionCount();
    const clash = SDL.metrics
      .replace('type Metric {', 'type Metric {\n  oops: Model!\n')
      .replace(
        'type Model @key(fields: "id") {\n  id: ID!',
        'type Model @key(fields: "id") {\n  id: ID!\n  name: Int',
      );
    const error = await registry.admin
      .publish('medfed', 'metrics', { url: url('metrics'), sdl: clash })
      .catch((e: unknown) => e as RegistryClientError);
    expect(error).toBeInstanceOf(RegistryClientError);
    expect(error).toMatchObject({ status: 422, code: 'COMPOSITION_FAILED' });
    expect((error as RegistryClientError).problem!['compositionErrors']).toEqual(
      expect.arrayContaining([expect.stringMatching(/Model\.name/)]),
    );
    expect(await versionCount()).toBe(before);
  });

  it('refuses a breaking change with 409 unless forced, and the check endpoint reports it', async () => {
    const without = SDL['ai-models'].replace(
      /\n\s*"Serving platform[^\n]*\n\s*platform: String!/,
      '',
    );
    expect(without.length).toBeLessThan(SDL['ai-models'].length);
    const check = await registry.admin.check('medfed', 'ai-models', { sdl: without });
    expect(check.composes).toBe(true);
    expect(check.breakingChanges).toEqual([
      { type: 'FIELD_REMOVED', description: 'Model.platform was removed.' },
    ]);
    const before = await versionCount();
    await expectRefused(
      registry.admin.publish('medfed', 'ai-models', { url: url('ai-models'), sdl: without }),
      409,
      'BREAKING_CHANGE',
      /Model\.platform was removed/,
    );
    expect(await versionCount()).toBe(before);
    const forced = await registry.admin.publish('medfed', 'ai-models', {
      url: url('ai-models'),
      sdl: without,
      force: true,
    });
    expect(forced).toMatchObject({
      outcome: 'updated',
      breakingChanges: [{ type: 'FIELD_REMOVED' }],
    });
    // put it back (an addition: not breaking)
    expect(
      (
        await registry.admin.publish('medfed', 'ai-models', {
          url: url('ai-models'),
          sdl: SDL['ai-models'],
        })
      ).outcome,
    ).toBe('updated');
  });

  it('detects removed enum values, changed types and new required arguments', async () => {
    const variants: [string, string, RegExp][] = [
      [
        'ai-models',
        SDL['ai-models'].replace(/\n\s*DETECTION/, ''),
        /DETECTION was removed from enum type ModelTask/,
      ],
      [
        'ai-models',
        SDL['ai-models'].replace('version: String!', 'version: Int!'),
        /Model\.version changed type from String! to Int!/,
      ],
      [
        'metrics',
        SDL.metrics.replace(
          'metrics(subjectType: MetricSubject!, subjectId: ID!, name: String)',
          'metrics(subjectType: MetricSubject!, subjectId: ID!, name: String, since: String!)',
        ),
        /A required arg since on Query\.metrics was added/,
      ],
    ];
    for (const [name, sdl, expected] of variants) {
      expect(sdl).not.toBe(SDL[name as keyof typeof SDL]);
      const check = await registry.admin.check('medfed', name, { sdl });
      expect(check.breakingChanges.map((b) => b.description).join(' ')).toMatch(expected);
    }
  });
});

describe('bad input: a precise 4xx, nothing stored', () => {
  const publish = (
    body: unknown,
    name = 'metrics',
    token: string | null = ADMIN_TOKEN,
    graph = 'medfed',
  ) => raw('PUT', `/v1/graphs/${graph}/subgraphs/${name}`, body, token);

  it.each([
    [
      'invalid SDL',
      () => publish({ url: url('metrics'), sdl: 'type Query {' }),
      400,
      'BAD_USER_INPUT',
      /sdl: Syntax Error/,
    ],
    [
      'a URL that is not http(s)',
      () => publish({ url: 'ftp://metrics/graphql', sdl: SDL.metrics }),
      400,
      'BAD_USER_INPUT',
      /url/,
    ],
    [
      'a malformed http URL',
      () => publish({ url: 'http://exa mple/graphql', sdl: SDL.metrics }),
      400,
      'BAD_USER_INPUT',
      /not an absolute http\(s\) URL/,
    ],
    [
      'an empty name',
      () => publish({ url: url('x'), sdl: SDL.metrics }, ''),
      400,
      'BAD_USER_INPUT',
      /name must not be empty/,
    ],
    [
      'an invalid name',
      () => publish({ url: url('x'), sdl: SDL.metrics }, 'Bad_Name'),
      400,
      'BAD_USER_INPUT',
      /name/,
    ],
    [
      'an empty SDL',
      () => publish({ url: url('metrics'), sdl: '' }),
      400,
      'BAD_USER_INPUT',
      /body sdl: must NOT have fewer than 1 characters/,
    ],
    [
      'a missing body member',
      () => publish({ sdl: SDL.metrics }),
      400,
      'BAD_USER_INPUT',
      /body url: must have required property 'url'/,
    ],
    ['broken JSON', () => publish('{"url": '), 400, 'BAD_REQUEST', /JSON/],
    [
      'an oversized SDL',
      () =>
        publish({ url: url('metrics'), sdl: `# ${'x'.repeat(5 * 1024 * 1024)}\n${SDL.metrics}` }),
      413,
      'PAYLOAD_TOO_LARGE',
      /larger than the limit/,
    ],
    [
      'no token',
      () => publish({ url: url('metrics'), sdl: SDL.metrics }, 'metrics', null),
      401,
      'UNAUTHENTICATED',
      /Missing bearer token/,
    ],
    [
      'a wrong token',
      () => publish({ url: url('metrics'), sdl: SDL.metrics }, 'metrics', 'mfr_not-a-real-token'),
      401,
      'UNAUTHENTICATED',
      /Unknown or revoked/,
    ],
    [
      'an unknown graph',
      () => publish({ url: url('metrics'), sdl: SDL.metrics }, 'metrics', ADMIN_TOKEN, 'nope'),
      404,
      'NOT_FOUND',
      /Unknown graph "nope"/,
    ],
  ])('%s', async (_what, send, status, code, detail) => {
    const before = await versionCount();
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.type).toContain('application/problem+json');
    expect(response.body).toMatchObject({
      status,
      code,
      type: expect.any(String),
      title: expect.any(String),
    });
    expect(String(response.body!['detail'])).toMatch(detail);
    expect(await versionCount()).toBe(before);
  });

  it('tells 401 from 403: institution tokens are scoped to their subgraphs', async () => {
    const token = await registry.admin.issueToken('Hospital A', ['metrics']);
    const hospital = registry.client(token);
    expect(await hospital.listGraphs()).toEqual(['medfed', 'other']);
    const before = await versionCount();
    await expectRefused(
      hospital.publish('medfed', 'ai-models', { url: url('ai-models'), sdl: SDL['ai-models'] }),
      403,
      'FORBIDDEN',
      /may not change subgraph "ai-models" \(allowed: metrics\)/,
    );
    await expectRefused(hospital.rollback('medfed', 1), 403, 'FORBIDDEN', /admin/);
    await expectRefused(hospital.issueToken('me', ['*']), 403, 'FORBIDDEN');
    await expectRefused(hospital.createGraph('mine'), 403, 'FORBIDDEN');
    expect(await versionCount()).toBe(before);
    const ok = await hospital.publish('medfed', 'metrics', {
      url: 'http://metrics.hospital-a.example/graphql',
      sdl: SDL.metrics,
    });
    expect(ok.outcome).toBe('updated');
    expect((await registry.admin.history('medfed', 1))[0]!.createdBy).toBe('Hospital A');
    const missing = await raw('GET', '/v1/graphs/medfed/subgraphs', undefined, null);
    expect(missing.status).toBe(401);
  });
});

describe('concurrency', () => {
  it('lands concurrent publishes to different subgraphs', async () => {
    await registry.admin.createGraph('race');
    await registry.admin.publish('race', 'ai-models', {
      url: url('ai-models'),
      sdl: SDL['ai-models'],
    });
    const results = await Promise.all(
      ['one', 'two', 'three', 'four'].map((n) =>
        registry.admin.publish('race', `extra-${n}`, {
          url: url(n),
          sdl: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\ntype Query { ${n}: Int }`,
        }),
      ),
    );
    expect(results.every((r) => r.outcome === 'created')).toBe(true);
    const latest = await registry.admin.list('race');
    expect(latest.version).toBe(5);
    expect(latest.subgraphs.map((s) => s.name)).toEqual([
      'ai-models',
      'extra-four',
      'extra-one',
      'extra-three',
      'extra-two',
    ]);
  });

  it('lets one of concurrent publishes to the same subgraph win cleanly; the others get 409', async () => {
    await registry.admin.createGraph('same');
    const sdl = (i: number) =>
      `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\ntype Query { a: Int f${i}: Int }`;
    const settled = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        registry.admin.publish('same', 'a', { url: url('a'), sdl: sdl(i) }),
      ),
    );
    const won = settled.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    const lost = settled.flatMap((r) =>
      r.status === 'rejected' ? [r.reason as RegistryClientError] : [],
    );
    expect(won.length).toBeGreaterThanOrEqual(1);
    expect(lost.every((e) => e.status === 409 && e.code === 'CONFLICT')).toBe(true);
    const latest = await registry.admin.list('same');
    expect(latest.version).toBe(won.length);
    expect(won.map(sdl)).toContain(latest.subgraphs[0]!.sdl);
  });
});

describe('history, rollback, long poll, OpenAPI', () => {
  it('rolls back to a past version as a new version with that supergraph', async () => {
    await registry.admin.createGraph('rb');
    const v1 = await registry.admin.publish('rb', 'ai-models', {
      url: url('ai-models'),
      sdl: SDL['ai-models'],
    });
    await registry.admin.publish('rb', 'metrics', { url: url('metrics'), sdl: SDL.metrics });
    const back = await registry.admin.rollback('rb', 1);
    expect(back).toMatchObject({ version: 3, supergraphId: v1.supergraphId });
    const history = await registry.admin.history('rb');
    expect(history.map((h) => [h.version, h.reason])).toEqual([
      [3, 'rollback to 1'],
      [2, 'add metrics'],
      [1, 'add ai-models'],
      [0, 'graph created'],
    ]);
    await expectRefused(registry.admin.rollback('rb', 42), 404, 'NOT_FOUND', /no version 42/);
  });

  it('holds a long poll until a publish, then answers at once', async () => {
    await registry.admin.createGraph('poll');
    const first = await registry.admin.publish('poll', 'ai-models', {
      url: url('ai-models'),
      sdl: SDL['ai-models'],
    });
    const started = Date.now();
    const waiting = registry.admin.supergraph('poll', {
      knownId: first.supergraphId,
      waitSeconds: 20,
    });
    await new Promise((r) => setTimeout(r, 300));
    const published = Date.now();
    await registry.admin.publish('poll', 'metrics', { url: url('metrics'), sdl: SDL.metrics });
    const result = await waiting;
    expect(result.changed).toBe(true);
    expect(Date.now() - published).toBeLessThan(1_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const idle = await registry.admin.supergraph('poll', {
      knownId: result.changed ? result.supergraph.id : null,
      waitSeconds: 1,
    });
    expect(idle).toEqual({ changed: false });
  });

  it('serves an OpenAPI document describing its routes', async () => {
    const doc = (await (await fetch(`${registry.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/graphs/{graph}/subgraphs/{name}',
        '/v1/graphs/{graph}/supergraph',
        '/v1/graphs/{graph}/supergraph/rollback',
        '/v1/tokens',
      ]),
    );
  });
});
