import { Type } from 'typebox';
import { MedfedError } from '#common/errors/medfed-error.js';
import type { RegistryApp } from '../app.js';
import { requireAdmin } from '../auth/authenticate.js';
import type { GraphVersion } from '../store/graph-version.js';
import { errorResponses, GraphParams, Problem, Supergraph, VersionSummary } from './schemas.js';

const etagOf = (id: string) => `"${id}"`;

export function supergraphRoutes(app: RegistryApp): void {
  app.get(
    '/v1/graphs/:graph/supergraph',
    {
      schema: {
        summary:
          'The composed supergraph. ETag is its id; If-None-Match answers 304 when unchanged, and with wait=N (seconds) the request is held until it changes (long poll)',
        tags: ['supergraph'],
        params: GraphParams,
        querystring: Type.Object({
          wait: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })),
        }),
        response: { 200: Supergraph, 304: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await app.authenticate(request);
      const { graph } = request.params;
      const known = parseEtag(request.headers['if-none-match']);
      let latest: GraphVersion | undefined = await app.registry.latest(graph);
      if (latest.supergraphId === null && known === null && !request.query.wait) {
        throw new MedfedError(
          'NOT_FOUND',
          `Graph "${graph}" has no subgraphs yet, so no supergraph`,
        );
      }
      if (latest.supergraphId === known && request.query.wait) {
        const abort = new AbortController();
        request.raw.once('close', () => abort.abort());
        latest = await app.registry.waitForChange(
          graph,
          known,
          request.query.wait * 1000,
          abort.signal,
        );
      }
      if (
        !latest ||
        latest.supergraphId === known ||
        !latest.supergraphId ||
        !latest.supergraphSdl
      ) {
        if (known !== null) return reply.code(304).header('etag', etagOf(known)).send(null);
        throw new MedfedError('NOT_FOUND', `Graph "${graph}" has no supergraph yet`);
      }
      return reply
        .header('etag', etagOf(latest.supergraphId))
        .header('cache-control', 'no-cache')
        .send({
          graph,
          version: latest.version,
          id: latest.supergraphId,
          sdl: latest.supergraphSdl,
          createdAt: latest.createdAt,
        });
    },
  );

  app.get(
    '/v1/graphs/:graph/supergraph/versions',
    {
      schema: {
        summary: 'Past versions of the graph, newest first',
        tags: ['supergraph'],
        params: GraphParams,
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
        }),
        response: { 200: Type.Object({ versions: Type.Array(VersionSummary) }), ...errorResponses },
      },
    },
    async (request) => {
      await app.authenticate(request);
      const versions = await app.registry.history(request.params.graph, request.query.limit);
      return { versions: versions.map((v) => ({ ...v, subgraphs: [...v.subgraphs] })) };
    },
  );

  app.get(
    '/v1/graphs/:graph/supergraph/versions/:version',
    {
      schema: {
        summary: 'One past version with its supergraph',
        tags: ['supergraph'],
        params: Type.Object({
          graph: GraphParams.properties.graph,
          version: Type.Integer({ minimum: 0 }),
        }),
        response: {
          200: Type.Object({
            ...VersionSummary.properties,
            sdl: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      await app.authenticate(request);
      const v = await app.registry.getVersion(request.params.graph, request.params.version);
      return {
        ...v,
        subgraphs: v.subgraphs.map((s) => ({ name: s.name, revision: s.revision })),
        sdl: v.supergraphSdl,
      };
    },
  );

  app.post(
    '/v1/graphs/:graph/supergraph/rollback',
    {
      schema: {
        summary: 'Make a past version current again, as a new version (admin)',
        tags: ['supergraph'],
        params: GraphParams,
        body: Type.Object({ version: Type.Integer({ minimum: 0 }) }),
        response: { 201: VersionSummary, ...errorResponses, 409: Problem, 422: Problem },
      },
    },
    async (request, reply) => {
      const principal = await app.authenticate(request);
      requireAdmin(principal, 'roll back');
      const { version } = await app.registry.rollback(
        request.params.graph,
        request.body.version,
        principal.name,
      );
      return reply.code(201).send({
        ...version,
        subgraphs: version.subgraphs.map((s) => ({ name: s.name, revision: s.revision })),
      });
    },
  );
}

function parseEtag(header: string | undefined): string | null {
  const match = header ? /^(?:W\/)?"([^"]+)"$/.exec(header.trim()) : null;
  return match ? match[1]! : null;
}
