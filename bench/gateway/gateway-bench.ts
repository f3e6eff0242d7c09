/**
 * Federation gateways compared, on the same subgraphs, in the same run:
 *   npm run bench:gateway -- [--duration 10] [--connections 50] [--only deep] [--node-flags "..."]
 * Starts on loopback the benchmark's subgraphs (bench/gateway/benchmark-subgraphs.ts) and medfed's
 * own subgraphs over 1000 generated images, then for each query and each gateway (medfed's,
 * stock @apollo/gateway, Hive Gateway), each in its own process: checks the answer (the deep
 * query against the answer computed from the data; medfed's query against stock Apollo's),
 * warms up, drives `connections` concurrent connections with autocannon for `duration` seconds
 * (bench/gateway/drive-load.ts: non-2xx, errors and timeouts counted; every answer compared with
 * the verified first one), checks the answer again, and reads the process's peak RSS. Every gateway runs under the same Node flags: by default
 * medfed's deployed heap budget (gateway/src/heap-budget.ts), `--node-flags ""` for Node's defaults.
 * Prints
 * requests/s, latency percentiles, error rate, peak RSS and the ratios to Apollo and Hive; then
 * the latency a gateway adds over calling one subgraph directly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isDeepStrictEqual } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { printSubgraphSchema } from '@apollo/subgraph';
import { composeSupergraph, fetchSubgraphSdl } from '#common/graphql/compose-supergraph.js';
import { writeManyTinyMrImages } from '#fixtures/dicom-phantoms.js';
import { REGISTER_MODEL, SAMPLE_MODELS, SEED_MODEL_NAME } from '#fixtures/sample-models.js';
import { gatewayNodeFlags } from '../../gateway/src/heap-budget.js';
import { startStack } from '../../test/support/start-stack.js';
import {
  benchmarkSubgraphs,
  DEEP_QUERY,
  expectedDeepResult,
  generateData,
} from './benchmark-subgraphs.js';
import { comparableAnswer } from './comparable-answer.js';
import { percentile } from './percentile.js';

process.env['APOLLO_TELEMETRY_DISABLED'] = '1';
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    gateways: { type: 'string', default: 'apollo,hive,medfed' },
    'node-flags': { type: 'string' },
  },
});
const nodeFlags = (values['node-flags'] ?? gatewayNodeFlags(process.env).join(' '))
  .split(' ')
  .filter(Boolean);
const duration = Number(values.duration);
const connections = Number(values.connections);
const kinds = values.gateways.split(',') as ('apollo' | 'hive' | 'medfed')[];
const dir = await mkdtemp(join(tmpdir(), 'medfed-gwbench-'));
const say = (line: string) => process.stdout.write(`${line}\n`);

// The benchmark's subgraphs and their supergraph.
const data = generateData();
const subgraphProcess = spawn(
  process.execPath,
  ['--import', 'tsx', 'bench/gateway/serve-benchmark-subgraphs.ts'],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const benchUrls = await new Promise<Map<string, string>>((resolve) => {
  const urls = new Map<string, string>();
  createInterface({ input: subgraphProcess.stdout }).on('line', (line) => {
    const m = /^subgraph (\S+) (\S+)$/.exec(line);
    if (m) urls.set(m[1]!, m[2]!);
    if (line === 'ready') resolve(urls);
  });
});
const benchSupergraph = composeSupergraph(
  benchmarkSubgraphs(data).map((s) => ({
    name: s.name,
    url: benchUrls.get(s.name)!,
    sdl: printSubgraphSchema(s.schema),
  })),
);
if (!benchSupergraph.ok) throw new Error(benchSupergraph.errors.join('\n'));
await writeFile(join(dir, 'bench.graphql'), benchSupergraph.supergraphSdl);

// medfed's subgraphs over 1000 generated images, and the seed model registered.
const imageDir = join(dir, 'images');
await writeManyTinyMrImages({ dir: imageDir, patient: 'PHANTOM-GW', count: 1000 });
const stack = await startStack({ imageDir });
for (const input of SAMPLE_MODELS) await stack.query(REGISTER_MODEL, { input });
const medfedSdls = await Promise.all(
  ['ai-models', 'medical-images', 'metrics'].map(async (name) => ({
    name,
    url: stack.subgraphUrl(name),
    sdl: await fetchSubgraphSdl(stack.subgraphUrl(name)),
  })),
);
const medfedSupergraph = composeSupergraph(medfedSdls);
if (!medfedSupergraph.ok) throw new Error(medfedSupergraph.errors.join('\n'));
await writeFile(join(dir, 'medfed.graphql'), medfedSupergraph.supergraphSdl);

const seedQuery = (first: number) =>
  `{ models(name: "${SEED_MODEL_NAME}") { id name version medicalImages(first: ${first}) { id type format url } } }`;
const scenarios = [
  {
    name: 'deep nested query (benchmark subgraphs)',
    key: 'deep',
    supergraph: 'bench.graphql',
    query: DEEP_QUERY,
    expected: expectedDeepResult(data) as unknown,
  },
  ...[10, 100, 1000].map((n) => ({
    name: `models { medicalImages(first: ${n}) } (medfed subgraphs)`,
    key: `seed${n}`,
    supergraph: 'medfed.graphql',
    query: seedQuery(n),
    expected: undefined,
  })),
].filter((s) => !values.only || s.key === values.only);

/** An answer parsed as the benchmark compares it (see comparableAnswer). */
function comparable(text: string): unknown {
  return JSON.parse(comparableAnswer(text)) as unknown;
}

async function startGateway(kind: string, supergraph: string) {
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      // BENCH_PROFILE=<gateway> writes that gateway's CPU profile to BENCH_PROFILE_DIR (or .medfed/profiles).
      ...(process.env['BENCH_PROFILE'] === kind
        ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_PROFILE_DIR'] ?? '.medfed/profiles']
        : []),
      '--import',
      'tsx',
      'bench/gateway/run-gateway.ts',
      kind,
      join(dir, supergraph),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} gateway exited (${code})`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^listening (.+)$/.exec(line);
      if (m) resolve(m[1]!);
    });
  });
  child.removeAllListeners('exit');
  return { child, url };
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  // Hive Gateway's runtime keeps its process alive after SIGTERM: kill it after a grace period.
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function post(url: string, query: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, text: await response.text() };
}

interface Row {
  gateway: string;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errorRate: number;
  /** Answers checked during the load, and how many differed from the verified one. */
  checked: number;
  wrong: number;
  rssMb: number;
  correct: boolean;
}

/**
 * One load run (bench/gateway/drive-load.ts) in its own process, so it has its own event loop;
 * every 2xx answer is compared with the text in `expectedFile`.
 */
async function load(url: string, body: string, seconds: number, expectedFile: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/gateway/drive-load.ts',
      url,
      String(connections),
      String(seconds),
      body,
      expectedFile,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.once('exit', r));
  return JSON.parse(out) as Pick<
    Row,
    'rps' | 'p50' | 'p95' | 'p99' | 'errorRate' | 'checked' | 'wrong'
  >;
}

const results: { scenario: string; rows: Row[] }[] = [];
const progress = (line: string) => process.stderr.write(`  … ${line}\n`);
progress('subgraphs up; measuring');
for (const scenario of scenarios) {
  const rows: Row[] = [];
  let reference = scenario.expected;
  for (const kind of kinds) {
    progress(`${scenario.key}: ${kind}`);
    const { child, url } = await startGateway(kind, scenario.supergraph);
    try {
      const first = await post(url, scenario.query);
      const answer = comparable(first.text) as { data?: unknown; errors?: unknown };
      reference ??= answer;
      const correct =
        first.status === 200 && !answer.errors && isDeepStrictEqual(answer, reference);
      if (!correct)
        say(
          `  ! ${kind}: answer differs from the reference for ${scenario.key}: ${first.text.slice(0, 300)}`,
        );
      // Every answer under load must be this verified one, byte for byte (signatures aside).
      const expectedFile = join(dir, `expected-${scenario.key}-${kind}.json`);
      await writeFile(expectedFile, comparableAnswer(first.text));
      const body = JSON.stringify({ query: scenario.query });
      await load(url, body, 2, expectedFile); // warm-up
      const measured = await load(url, body, duration, expectedFile);
      // Checked again after the load: still the same, complete answer.
      const after = await post(url, scenario.query);
      const stillCorrect =
        after.status === 200 && isDeepStrictEqual(comparable(after.text), reference);
      rows.push({
        gateway: kind,
        ...measured,
        rssMb: await peakRssMb(child.pid!),
        correct: correct && stillCorrect && measured.wrong === 0 && measured.checked > 0,
      });
    } finally {
      await stop(child);
    }
  }
  results.push({ scenario: scenario.name, rows });
  printTable(scenario.name, rows);
}

function printTable(name: string, rows: Row[]) {
  const apollo = rows.find((r) => r.gateway === 'apollo');
  const hive = rows.find((r) => r.gateway === 'hive');
  const cells = [
    [
      'gateway',
      'req/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'errors',
      'peak RSS MB',
      'answers checked',
      'correct',
      '× apollo',
      '× hive',
    ],
    ...rows.map((r) => [
      r.gateway,
      r.rps.toFixed(0),
      r.p50.toFixed(1),
      r.p95.toFixed(1),
      r.p99.toFixed(1),
      `${(r.errorRate * 100).toFixed(2)} %`,
      r.rssMb.toFixed(0),
      r.wrong ? `${r.checked} (${r.wrong} wrong)` : String(r.checked),
      r.correct ? 'yes' : 'NO',
      apollo ? (r.rps / apollo.rps).toFixed(2) : '',
      hive ? (r.rps / hive.rps).toFixed(2) : '',
    ]),
  ];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  say(
    `\n${name} — ${connections} connections, ${duration} s, node ${nodeFlags.join(' ') || '(defaults)'}`,
  );
  cells.forEach((row, i) => {
    say(`| ${row.map((c, j) => c.padEnd(widths[j]!)).join(' | ')} |`);
    if (i === 0) say(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  });
}

// The latency a gateway adds over calling one subgraph directly (one connection, sequential).
const simple = '{ topProducts(first: 5) { upc name price weight } }';

async function sequentialP50(url: string, rounds = 500) {
  const times: number[] = [];
  for (let i = 0; i < rounds + 50; i++) {
    const t = performance.now();
    await post(url, simple);
    if (i >= 50) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}
const direct = await sequentialP50(benchUrls.get('products')!);
say(
  `\nadded latency over calling the products subgraph directly (${simple}, sequential, 500 requests)`,
);
say(`| path     | p50 ms | p99 ms | added p50 ms |`);
say(`| -------- | ------ | ------ | ------------ |`);
say(
  `| direct   | ${direct.p50.toFixed(2).padEnd(6)} | ${direct.p99.toFixed(2).padEnd(6)} |              |`,
);
for (const kind of kinds) {
  const { child, url } = await startGateway(kind, 'bench.graphql');
  const through = await sequentialP50(url);
  say(
    `| ${kind.padEnd(8)} | ${through.p50.toFixed(2).padEnd(6)} | ${through.p99.toFixed(2).padEnd(6)} | ${(through.p50 - direct.p50).toFixed(2).padEnd(12)} |`,
  );
  await stop(child);
}

await stop(subgraphProcess);
await stack.close();
await rm(dir, { recursive: true, force: true });
if (results.some((r) => r.rows.some((row) => !row.correct))) process.exitCode = 1;
