// Hive Gateway for the benchmark. Plain JavaScript on purpose: importing its TypeScript types
// would bring graphql-yoga's global augmentations (and a newer @types/node) into medfed's program.
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';

/** Serves the supergraph with Hive Gateway's runtime on 127.0.0.1; resolves with its URL. */
export async function startHiveGateway(supergraphSdl) {
  const runtime = createGatewayRuntime({ supergraph: supergraphSdl, logging: false });
  const server = createServer(runtime);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${server.address().port}/graphql`;
}
