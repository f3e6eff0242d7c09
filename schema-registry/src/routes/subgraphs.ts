import { Type } from 'typebox';
import { MedfedError } from '#common/errors/medfed-error.js';
import type { RegistryApp } from '../app.js';
import { requireSubgraph } from '../auth/authenticate.js';
import {
  BreakingChange,
  errorResponses,
  GraphParams,
  Problem,
  Subgraph,
  SubgraphParams,
} from './schemas.js';

const url = Type.String({
  pattern: '^https?://',
  maxLength: 2048,
  description: 'Routing URL (http or https) the gateway sends this subgraph’s requests to',
});

function assertHttpUrl(value: string): void {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new MedfedError('BAD_USER_INPUT', `url: "${value}" is not an absolute http(s) URL`, {
      field: 'url',
    });
  }
}

export function subgraphRoutes(app: RegistryApp, limits: { maxSdlBytes: number }): void {
  const sdl = Type.String({
    minLength: 1,
    maxLength: limits.maxSdlBytes,
    description: 'Subgraph SDL (Federation 2)',
  });

  app.get(
    '/v1/graphs/:graph/subgraphs',
    {
      schema: {
        summary: 'List the subgraphs of a graph',
        tags: ['subgraphs'],
        params: GraphParams,
        response: {
          200: Type.Object({ version: Type.Integer(), subgraphs: Type.Array(Subgraph) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      await app.authenticate(request);
      const latest = await app.registry.latest(request.params.graph);
      return { version: latest.version, subgraphs: [...latest.subgraphs] };
    },
  );

  app.get(
    '/v1/graphs/:graph/subgraphs/:name',
    {
      schema: {
        summary: 'Get one subgraph',
        tags: ['subgraphs'],
        params: SubgraphParams,
        response: { 200: Subgraph, ...errorResponses },
      },
    },
    async (request) => {
      await app.authenticate(request);
      const { graph, name } = request.params;
      const found = (await app.registry.latest(graph)).subgraphs.find((s) => s.name === name);
      if (!found) throw new MedfedError('NOT_FOUND', `Graph "${graph}" has no subgraph "${name}"`);
      return found;
    },
  );

  app.put(
    '/v1/graphs/:graph/subgraphs/:name',
    {
      schema: {
        summary:
          'Publish a subgraph: composed and checked first; refused (nothing stored) if it does not compose, or breaks clients unless forced',
        tags: ['subgraphs'],
        params: SubgraphParams,
        body: Type.Object({ url, sdl, force: Type.Optional(Type.Boolean({ default: false })) }),
        response: {
          200: PublishResult(),
          201: PublishResult(),
          ...errorResponses,
          409: Problem,
          413: Problem,
          422: Problem,
        },
      },
    },
    async (request, reply) => {
      const principal = await app.authenticate(request);
      const { graph, name } = request.params;
      requireSubgraph(principal, name);
      assertHttpUrl(request.body.url);
      const result = await app.registry.publish(
        graph,
        { name, url: request.body.url, sdl: request.body.sdl },
        { force: request.body.force ?? false, by: principal.name },
      );
      return reply.code(result.outcome === 'created' ? 201 : 200).send({
        outcome: result.outcome,
        version: result.version.version,
        supergraphId: result.version.supergraphId,
        breakingChanges: result.breakingChanges,
      });
    },
  );

  app.put(
    '/v1/graphs/:graph/subgraphs/',
    { schema: { hide: true, params: GraphParams } },
    async () => {
      throw new MedfedError('BAD_USER_INPUT', 'subgraph name must not be empty', { field: 'name' });
    },
  );

  app.post(
    '/v1/graphs/:graph/subgraphs/:name/check',
    {
      schema: {
        summary: 'Check a subgraph without publishing: composition errors and breaking changes',
        tags: ['subgraphs'],
        params: SubgraphParams,
        body: Type.Object({ url: Type.Optional(url), sdl }),
        response: {
          200: Type.Object({
            composes: Type.Boolean(),
            compositionErrors: Type.Array(Type.String()),
            breakingChanges: Type.Array(BreakingChange),
          }),
          ...errorResponses,
          413: Problem,
        },
      },
    },
    async (request) => {
      const principal = await app.authenticate(request);
      const { graph, name } = request.params;
      requireSubgraph(principal, name);
      const current = (await app.registry.latest(graph)).subgraphs.find((s) => s.name === name);
      const target = request.body.url ?? current?.url ?? 'http://unpublished.invalid/graphql';
      assertHttpUrl(target);
      const result = await app.registry.check(graph, { name, url: target, sdl: request.body.sdl });
      return {
        composes: result.composes,
        compositionErrors: [...result.compositionErrors],
        breakingChanges: [...result.breakingChanges],
      };
    },
  );

  app.delete(
    '/v1/graphs/:graph/subgraphs/:name',
    {
      schema: {
        summary:
          'Remove a subgraph (refused if the rest does not compose, or breaks clients unless force=true)',
        tags: ['subgraphs'],
        params: SubgraphParams,
        querystring: Type.Object({ force: Type.Optional(Type.Boolean({ default: false })) }),
        response: { 200: PublishResult(), ...errorResponses, 409: Problem, 422: Problem },
      },
    },
    async (request) => {
      const principal = await app.authenticate(request);
      const { graph, name } = request.params;
      requireSubgraph(principal, name);
      const result = await app.registry.remove(graph, name, {
        force: request.query.force ?? false,
        by: principal.name,
      });
      return {
        outcome: 'removed',
        version: result.version.version,
        supergraphId: result.version.supergraphId,
        breakingChanges: result.breaking,
      };
    },
  );
}

function PublishResult() {
  return Type.Object({
    outcome: Type.String({ enum: ['created', 'updated', 'unchanged', 'removed'] }),
    version: Type.Integer(),
    supergraphId: Type.Union([Type.String(), Type.Null()]),
    breakingChanges: Type.Array(BreakingChange),
  });
}
