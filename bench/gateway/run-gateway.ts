/**
 * One gateway of the benchmark in its own process (so its memory is its own):
 *   node --import tsx bench/gateway/run-gateway.ts <medfed|apollo|hive> <supergraph.graphql>
 * Prints `listening <url>` when it serves the supergraph. Each gateway's modules are imported only
 * in its own process, so peak RSS is that gateway's alone.
 */
import { readFile } from 'node:fs/promises';

process.env['APOLLO_TELEMETRY_DISABLED'] = '1';
const [kind = '', supergraphPath] = process.argv.slice(2);
const supergraphSdl = await readFile(supergraphPath!, 'utf8');
let url: string;

switch (kind) {
  case 'medfed': {
    const { createLogger } = await import('#common/logging/create-logger.js');
    const { build } = await import('../../gateway/src/app.js');
    // medfed's gateway as deployed, minus auth and identity signing (the subgraphs here are
    // the benchmark's, which know nothing of medfed's identities; the other gateways have none).
    const gateway = build(
      {
        supergraph: { kind: 'file', path: supergraphPath! },
        limits: { maxDepth: 20, maxAliases: 30, maxTokens: 10_000, maxBodyBytes: 100 * 1024 },
        introspection: false,
        subgraphTimeoutMs: 30_000,
        startupTimeoutMs: 30_000,
      },
      { log: createLogger({ name: 'gateway', level: 'warn' }) },
    );
    url = `${await gateway.listen({ host: '127.0.0.1', port: 0 })}/graphql`;
    await gateway.ready;
    break;
  }
  case 'apollo': {
    const { ApolloGateway } = await import('@apollo/gateway');
    const { ApolloServer } = await import('@apollo/server');
    const { startStandaloneServer } = await import('@apollo/server/standalone');
    // Stock @apollo/gateway with a plain set-up, as its documentation shows it.
    const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
    ({ url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } }));
    break;
  }
  case 'hive': {
    const { startHiveGateway } = await import('./hive-gateway.mjs');
    url = await startHiveGateway(supergraphSdl);
    break;
  }
  default:
    throw new Error(`unknown gateway ${kind}`);
}
process.stdout.write(`listening ${url}\n`);
// Exit on SIGTERM (so a --cpu-prof profile is written), whatever the gateway registered.
process.once('SIGTERM', () => process.exit(0));
