import { Type } from 'typebox';
import type { RegistryApp } from '../app.js';
import { requireAdmin } from '../auth/authenticate.js';
import { hashToken, newToken } from '../auth/token-store.js';
import { errorResponses, NAME_PATTERN } from './schemas.js';

export function tokenRoutes(app: RegistryApp): void {
  app.post(
    '/v1/tokens',
    {
      schema: {
        summary: 'Issue a publishing token for an institution (admin); shown once, stored hashed',
        tags: ['tokens'],
        body: Type.Object({
          holder: Type.String({ minLength: 1, maxLength: 128 }),
          subgraphs: Type.Array(Type.String({ pattern: `${NAME_PATTERN}|^\\*$` }), {
            maxItems: 256,
            description: 'Subgraphs it may publish; empty for a read-only token (e.g. a gateway)',
          }),
        }),
        response: {
          201: Type.Object({
            token: Type.String(),
            holder: Type.String(),
            subgraphs: Type.Array(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      requireAdmin(await app.authenticate(request), 'issue tokens');
      const token = newToken();
      const { holder, subgraphs } = request.body;
      await app.tokens.put(hashToken(token), {
        holder,
        subgraphs,
        createdAt: new Date().toISOString(),
      });
      request.log.info({ holder, subgraphs }, 'token issued');
      return reply.code(201).header('cache-control', 'no-store').send({ token, holder, subgraphs });
    },
  );
}
