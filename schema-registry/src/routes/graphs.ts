import { Type } from 'typebox';
import type { RegistryApp } from '../app.js';
import { requireAdmin } from '../auth/authenticate.js';
import { errorResponses, NAME_PATTERN, Problem, VersionSummary } from './schemas.js';

export function graphRoutes(app: RegistryApp): void {
  app.post(
    '/v1/graphs',
    {
      schema: {
        summary: 'Create a graph (admin)',
        tags: ['graphs'],
        body: Type.Object({ name: Type.String({ pattern: NAME_PATTERN }) }),
        response: { 201: VersionSummary, ...errorResponses, 409: Problem },
      },
    },
    async (request, reply) => {
      const principal = await app.authenticate(request);
      requireAdmin(principal, 'create graphs');
      const created = await app.registry.createGraph(request.body.name, principal.name);
      return reply
        .code(201)
        .header('location', `/v1/graphs/${created.graph}/supergraph/versions/0`)
        .send({ ...created, subgraphs: [] });
    },
  );

  app.get(
    '/v1/graphs',
    {
      schema: {
        summary: 'List graphs',
        tags: ['graphs'],
        response: { 200: Type.Object({ graphs: Type.Array(Type.String()) }), ...errorResponses },
      },
    },
    async (request) => {
      await app.authenticate(request);
      return { graphs: await app.registry.listGraphs() };
    },
  );
}
