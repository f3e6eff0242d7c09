import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

/**
 * The README's demo command, run for real: dynalite, Redis and every service's own main.ts as
 * separate processes, joined through the schema registry. Guards the "two commands" promise and
 * every service's entry point.
 */
const dir = await mkdtemp(join(tmpdir(), 'medfed-demo-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

it('runs the seed query across separately started services and exits cleanly', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'demo/main.ts', '--once', '--port', '0', '--dir', dir],
    { timeout: 90_000 },
  );
  const start = stdout.indexOf('{', stdout.indexOf("The seed's federated query"));
  const json = stdout.slice(start, stdout.indexOf("\nThe seed's compute request"));
  const answer = JSON.parse(json) as {
    models: { name: string; version: string; medicalImages: { type: string; url: string }[] }[];
  };
  expect(answer.models).toHaveLength(1);
  expect(answer.models[0]!.version).toBe('0.6.0-2006.4');
  expect(answer.models[0]!.medicalImages).toHaveLength(24);
  expect(answer.models[0]!.medicalImages.every((i) => i.type === 'MRI_T1c')).toBe(true);
  expect(stdout).toMatch(/Gateway: http:\/\/127\.0\.0\.1:\d+\/graphql/);
  // The seed's compute request ran through the compute service and its CPU and GPU workers.
  expect(stdout).toMatch(/202 \{"id":"[0-9a-f-]{36}","status":"QUEUED"/);
  expect(stdout).toContain('SUCCEEDED: 2/2 series');
  expect(stdout).toMatch(/enhancing_lesion \d{5} mm³/);
  expect(stdout).toMatch(/Render: http:\/\/127\.0\.0\.1:\d+\/render\//);

  // No patient identifiers from the phantoms' headers reach any service log.
  const logs = join(dir, 'logs');
  const text = (
    await Promise.all((await readdir(logs)).map((f) => readFile(join(logs, f), 'utf8')))
  ).join('');
  expect(text).toContain('subgraph ready');
  // Each subgraph joined through the registry, and the gateway followed it.
  const registry = await readFile(join(logs, 'schema-registry.log'), 'utf8');
  const changes = registry.split('\n').filter((l) => l.includes('"graph changed"'));
  expect(changes.map((l) => (JSON.parse(l) as { reason: string }).reason).sort()).toEqual([
    'add ai-models',
    'add medical-images',
    'add metrics',
  ]);
  expect(await readFile(join(logs, 'gateway.log'), 'utf8')).toContain('gateway ready');
  for (const worker of ['worker-cpu', 'worker-gpu'])
    expect(await readFile(join(logs, `${worker}.log`), 'utf8')).toContain('compute worker ready');
  // No secret reaches a log: neither the admin token nor any issued token.
  const adminToken = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
  expect(text).not.toContain(adminToken);
  expect(text).not.toContain((await readFile(join(dir, 'api-key'), 'utf8')).trim());
  expect(text).not.toMatch(/mfr_/);
  expect(text).not.toMatch(/PHANTOM\^|19700101|ACC-PHANTOM/);
}, 120_000);
