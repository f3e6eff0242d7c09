/**
 * How long after a publish is a new field queryable through a gateway that follows the registry?
 *   node --import tsx bench/registry/publish-to-query.ts [rounds]
 * Starts on loopback: dynalite, the registry, a probe subgraph, and two gateways (each on its own
 * long poll), then publishes `rounds` schema changes and, for each, polls both gateways every 2 ms
 * until the new field answers. Prints percentiles of the publish call and of publish → queryable.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gql } from 'graphql-tag';
import { createSubgraphServer } from '#common/graphql/create-subgraph-server.js';
import { createLogger } from '#common/logging/create-logger.js';
import { buildRegistryGateway, startRegistry } from '../../test/support/start-registry.js';
import { post } from '../../test/support/start-stack.js';

process.env['APOLLO_TELEMETRY_DISABLED'] = '1';
const rounds = Number(process.argv[2] ?? 30);
const log = createLogger({ name: 'bench', level: 'silent' });
const dir = await mkdtemp(join(tmpdir(), 'medfed-bench-'));
const registry = await startRegistry();

const sdl = (i: number) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\ntype Query { f${i}: Int }`;
// One probe server answers every field name it may be asked.
const probe = await createSubgraphServer({
  name: 'probe',
  typeDefs: gql(
    `type Query { ${Array.from({ length: rounds + 1 }, (_, i) => `f${i}: Int`).join(' ')} }`,
  ),
  resolvers: {},
  context: () => ({}),
  log,
});
const probeUrl = `${await probe.listen({ host: '127.0.0.1', port: 0 })}/graphql`;
await registry.admin.publish('medfed', 'probe', { url: probeUrl, sdl: sdl(0) });

const gateways = await Promise.all(
  [1, 2].map(async (n) => {
    const gateway = buildRegistryGateway({
      registryUrl: registry.url,
      cachePath: join(dir, `gw${n}.json`),
      log,
    });
    const url = await gateway.listen({ host: '127.0.0.1', port: 0 });
    await gateway.ready;
    return { gateway, url };
  }),
);

const publishMs: number[] = [];
const visibleMs: number[] = [];
for (let i = 1; i <= rounds; i++) {
  const t0 = performance.now();
  await registry.admin.publish('medfed', 'probe', { url: probeUrl, sdl: sdl(i), force: true });
  const t1 = performance.now();
  await Promise.all(
    gateways.map(async ({ url }) => {
      while ((await post(url, `{ f${i} }`)).status !== 200)
        await new Promise((r) => setTimeout(r, 2));
    }),
  );
  const t2 = performance.now();
  publishMs.push(t1 - t0);
  visibleMs.push(t2 - t1);
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const row = (name: string, xs: number[]) =>
  `| ${name.padEnd(38)} | ${[50, 95, 100].map((p) => pct(xs, p).toFixed(1).padStart(7)).join(' | ')} |`;
console.log(`\nregistry publish → queryable, ${rounds} rounds, 2 gateways on long poll (ms)\n`);
console.log(`| ${'measure'.padEnd(38)} |     p50 |     p95 |     max |`);
console.log(`|${'-'.repeat(40)}|---------|---------|---------|`);
console.log(row('publish call (compose, check, store)', publishMs));
console.log(row('publish done → both gateways answer', visibleMs));

for (const { gateway } of gateways) await gateway.close();
await probe.close();
await registry.close();
await rm(dir, { recursive: true, force: true });
