import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { composeSupergraph, fetchSubgraphSdl } from '#common/graphql/compose-supergraph.js';

/**
 * Writes a supergraph SDL file from running subgraphs, for `gateway --supergraph <file>`:
 *   tsx gateway/src/compose-cli.ts --subgraphs ai-models=http://h:4001/graphql,... --out supergraph.graphql
 */
const { values } = parseArgs({
  options: { subgraphs: { type: 'string' }, out: { type: 'string' } },
});
if (!values.subgraphs || !values.out) {
  console.error('usage: compose-cli --subgraphs name=url[,name=url...] --out <file>');
  process.exit(2);
}
const list = values.subgraphs.split(',').map((entry) => {
  const [name, url] = entry.split('=');
  if (!name || !url) {
    console.error(`not name=url: "${entry}"`);
    process.exit(2);
  }
  return { name, url };
});
const subgraphs = await Promise.all(
  list.map(async (s) => ({ ...s, sdl: await fetchSubgraphSdl(s.url) })),
);
const result = composeSupergraph(subgraphs);
if (!result.ok) {
  console.error(`composition failed:\n  ${result.errors.join('\n  ')}`);
  process.exit(1);
}
await writeFile(values.out, result.supergraphSdl);
console.log(`wrote ${values.out} (${list.length} subgraphs)`);
