import {
  createSubgraphServer,
  type SubgraphServer,
} from '#common/graphql/create-subgraph-server.js';
import { loadTypeDefs } from '#common/graphql/load-type-defs.js';
import { buffer } from 'node:stream/consumers';
import type { Identity } from '#common/auth/identity-token.js';
import type { Logger } from '#common/logging/create-logger.js';
import type { Deidentifier } from '../../../dicom/src/deidentify.js';
import type { ImageSource } from './image-source.js';
import { createMedicalImagesContext, resolvers } from './resolvers.js';

export const SUBGRAPH_NAME = 'medical-images';
export const typeDefs = loadTypeDefs(new URL('./schema.graphql', import.meta.url));

/**
 * Builds the medical-images subgraph over an ImageSource. Besides GraphQL it serves each image's
 * file at /files/<id>.dcm. `publicUrl` is read per request, so it may be settled after listen().
 */
export function build(deps: {
  source: ImageSource;
  log: Logger;
  publicUrl: () => string;
  /** Applied to every file before it leaves (PS3.15 basic profile). */
  deidentifier: Deidentifier;
  verifyIdentity?: ((token: string) => Promise<Identity>) | undefined;
}): Promise<SubgraphServer> {
  return createSubgraphServer({
    name: SUBGRAPH_NAME,
    typeDefs,
    resolvers,
    context: (_request, identity) =>
      createMedicalImagesContext(deps.source, deps.publicUrl(), identity),
    verifyIdentity: deps.verifyIdentity,
    log: deps.log,
    routes(app) {
      app.get<{ Params: { file: string } }>('/files/:file', async (request, reply) => {
        const id = request.params.file.replace(/\.dcm$/, '');
        const file = /^img-[0-9a-f]{24}$/.test(id) ? await deps.source.open(id) : undefined;
        if (!file) {
          return reply
            .code(404)
            .type('application/problem+json')
            .send({
              type: 'about:blank',
              title: 'Not found',
              status: 404,
              code: 'NOT_FOUND',
              detail: `No image with id "${id}"`,
            });
        }
        const deidentified = deps.deidentifier.file(new Uint8Array(await buffer(file.stream)), id);
        return reply
          .type('application/dicom')
          .header('content-length', deidentified.byteLength)
          .header('cache-control', 'private, max-age=3600')
          .send(Buffer.from(deidentified.buffer, deidentified.byteOffset, deidentified.byteLength));
      });
    },
  });
}
