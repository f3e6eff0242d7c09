/**
 * The benchmark subgraphs in their own process (so the load generator does not share their event
 * loop): prints `subgraph <name> <url>` per subgraph, then `ready`.
 */
import { benchmarkSubgraphs, generateData, serveSubgraph } from './benchmark-subgraphs.js';

for (const { name, schema } of benchmarkSubgraphs(generateData())) {
  const { url } = await serveSubgraph(schema);
  process.stdout.write(`subgraph ${name} ${url}\n`);
}
process.stdout.write('ready\n');
