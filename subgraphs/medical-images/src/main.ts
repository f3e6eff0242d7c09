import { createLogger } from '#common/logging/create-logger.js';
import { onShutdown } from '#common/process/on-shutdown.js';
import { build, SUBGRAPH_NAME } from './app.js';
import { readConfig } from './config.js';
import { createFolderImageSource } from './folder-image-source.js';

const config = readConfig(process.env);
const log = createLogger({ name: SUBGRAPH_NAME, level: config.logLevel });
const source = await createFolderImageSource({
  root: config.imageFolder,
  log,
  name: config.sourceName,
});
let publicUrl = config.publicUrl ?? '';
const server = await build({ source, log, publicUrl: () => publicUrl });
const url = await server.listen({ host: config.host, port: config.port });
publicUrl ||= url;
log.info(
  { url: `${url}/graphql`, images: source.report.indexed, skipped: source.report.skipped.length },
  'subgraph ready',
);
onShutdown(log, () => server.close());
