import { getHeapStatistics } from 'node:v8';
import { createLogger } from '#common/logging/create-logger.js';
import { onShutdown } from '#common/process/on-shutdown.js';
import { build } from './app.js';
import { readConfig } from './config.js';

const config = readConfig(process.env, process.argv.slice(2));
const log = createLogger({ name: 'gateway', level: config.logLevel });
const gateway = build(config, { log });
const url = await gateway.listen({ host: config.host, port: config.port });
log.info(
  {
    url: `${url}/graphql`,
    heapLimitMiB: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
  },
  'gateway listening; waiting for a supergraph',
);
onShutdown(log, () => gateway.close());
gateway.ready.then(
  () => log.info({ url: `${url}/graphql`, schemaId: gateway.schemaId() }, 'gateway ready'),
  () => {
    log.fatal('no supergraph could be loaded; exiting');
    process.exit(1);
  },
);
