import { createLogger } from '#common/logging/create-logger.js';
import { createDeidentifier } from '../../../dicom/src/deidentify.js';
import { identityVerifierFor, startSubgraph } from '../../start-subgraph.js';
import { build, SUBGRAPH_NAME, typeDefs } from './app.js';
import { readConfig } from './config.js';
import { compositeImageSource } from './composite-image-source.js';
import { createDicomwebImageSource } from './dicomweb-image-source.js';
import { createFileUrlSigner } from './file-url-signer.js';
import { createFolderImageSource } from './folder-image-source.js';

const config = readConfig(process.env);
const log = createLogger({ name: SUBGRAPH_NAME, level: config.logLevel });
const deidentifier = createDeidentifier(config.deidentification);
const source = compositeImageSource([
  ...(config.imageFolder
    ? [
        await createFolderImageSource({
          root: config.imageFolder,
          log,
          name: config.sourceName,
          pseudonyms: deidentifier,
        }),
      ]
    : []),
  ...config.dicomwebArchives.map((archive) =>
    createDicomwebImageSource({
      url: archive.url,
      name: archive.name,
      log,
      pseudonyms: deidentifier,
    }),
  ),
]);
// File URLs are built per request from this base; until PUBLIC_URL or listen() settles it, empty.
let publicUrl = config.publicUrl ?? '';
const server = await build({
  source,
  log,
  publicUrl: () => publicUrl,
  deidentifier,
  fileUrls: createFileUrlSigner(config.fileUrls),
  verifyIdentity: await identityVerifierFor(config, log),
});
const url = await startSubgraph({ name: SUBGRAPH_NAME, server, typeDefs, log, config });
publicUrl ||= url;
