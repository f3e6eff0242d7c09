import {
  createSubgraphServer,
  type SubgraphServer,
} from '#common/graphql/create-subgraph-server.js';
import { loadTypeDefs } from '#common/graphql/load-type-defs.js';
import { buffer } from 'node:stream/consumers';
import type { Identity } from '#common/auth/identity-token.js';
import type { Logger } from '#common/logging/create-logger.js';
import type { Deidentifier } from '../../../dicom/src/deidentify.js';
import type { FileUrlSigner } from './file-url-signer.js';
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
  /** Signs and checks file URLs (short-lived capabilities). */
  fileUrls: FileUrlSigner;
}): Promise<SubgraphServer> {
  return createSubgraphServer({
    name: SUBGRAPH_NAME,
    typeDefs,
    resolvers,
    context: (_request, identity) =>
      createMedicalImagesContext(deps.source, deps.publicUrl(), identity, deps.fileUrls),
    verifyIdentity: deps.verifyIdentity,
    log: deps.log,
    routes(app) {
      app.get<{ Params: { file: string }; Querystring: { expires?: string; signature?: string } }>(
        '/files/:file',
        async (request, reply) => {
          const id = request.params.file.replace(/\.dcm$/, '');
          const access = deps.fileUrls.verify(id, request.query.expires, request.query.signature);
          if (access !== 'ok') {
            const expired = access === 'expired';
            return reply
              .code(expired ? 410 : 403)
              .type('application/problem+json')
              .send({
                type: 'about:blank',
                title: expired ? 'Link expired' : 'Forbidden',
                status: expired ? 410 : 403,
                code: expired ? 'LINK_EXPIRED' : 'FORBIDDEN',
                detail: expired
                  ? 'This image link has expired; query the graph again for a fresh url'
                  : 'Image links are issued by the graph: query MedicalImage.url through the gateway',
              });
          }
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
          const deidentified = deps.deidentifier.file(
            new Uint8Array(await buffer(file.stream)),
            id,
          );
          return reply
            .type('application/dicom')
            .header('content-length', deidentified.byteLength)
            .header('cache-control', 'private, max-age=3600')
            .send(
              Buffer.from(deidentified.buffer, deidentified.byteOffset, deidentified.byteLength),
            );
        },
      );
    },
  });
}
