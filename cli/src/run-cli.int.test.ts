import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeDefs as aiModels } from '../../subgraphs/ai-models/src/app.js';
import {
  ADMIN_TOKEN,
  startRegistry,
  type TestRegistry,
} from '../../test/support/start-registry.js';
import { EXIT, runCli } from './run-cli.js';

let registry: TestRegistry;
let dir: string;
let schema: string;
let breaking: string;

beforeAll(async () => {
  registry = await startRegistry();
  dir = await mkdtemp(join(tmpdir(), 'medfed-cli-'));
  schema = join(dir, 'ai-models.graphql');
  breaking = join(dir, 'ai-models-breaking.graphql');
  await writeFile(schema, print(aiModels));
  await writeFile(
    breaking,
    print(aiModels).replace(/\n\s*"Where the model file can be downloaded."\n\s*url: String!/, ''),
  );
});
afterAll(async () => {
  await registry?.close();
  await rm(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    { MEDFED_REGISTRY_URL: registry.url, MEDFED_TOKEN: ADMIN_TOKEN },
    {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('medfed CLI against a real registry', () => {
  it('publishes, lists, checks, fetches, shows history and rolls back', async () => {
    const url = 'http://ai-models.example/graphql';
    expect(
      await cli('subgraph', 'publish', '--name', 'ai-models', '--url', url, '--schema', schema),
    ).toMatchObject({
      code: EXIT.OK,
      out: expect.stringMatching(/^created: ai-models in medfed, now version 1/),
    });
    expect((await cli('subgraph', 'list')).out).toMatch(
      /ai-models\s+rev 1\s+http:\/\/ai-models\.example\/graphql/,
    );
    const check = await cli('subgraph', 'check', '--name', 'ai-models', '--schema', breaking);
    expect(check.code).toBe(EXIT.REFUSED);
    expect(check.out).toContain('breaking: Model.url was removed.');
    const refused = await cli(
      'subgraph',
      'publish',
      '--name',
      'ai-models',
      '--url',
      url,
      '--schema',
      breaking,
    );
    expect(refused.code).toBe(EXIT.REFUSED);
    expect(refused.err).toMatch(/refused \(409 BREAKING_CHANGE\)/);
    expect(refused.err).toContain('breaking: Model.url was removed.');
    const forced = await cli(
      'subgraph',
      'publish',
      '--name',
      'ai-models',
      '--url',
      url,
      '--schema',
      breaking,
      '--force',
    );
    expect(forced.out).toMatch(/^updated: .* version 2/);
    expect(forced.out).toContain('accepted breaking change: Model.url was removed.');
    const out = join(dir, 'supergraph.graphql');
    expect((await cli('supergraph', 'fetch', '--out', out)).code).toBe(EXIT.OK);
    expect(await readFile(out, 'utf8')).toContain('join__Graph');
    expect((await cli('supergraph', 'history')).out).toMatch(
      /v2\s.*update ai-models\n\s+v1\s.*add ai-models\n\s+v0\s.*graph created/,
    );
    expect((await cli('supergraph', 'rollback', '--version', '1')).out).toBe(
      'rolled back medfed to version 1, as new version 3',
    );
    const json = JSON.parse((await cli('subgraph', 'list', '--json')).out) as {
      name: string;
      revision: number;
    }[];
    expect(json).toEqual([expect.objectContaining({ name: 'ai-models', revision: 3 })]);
  });

  it('issues scoped tokens that the registry enforces', async () => {
    const token = (await cli('token', 'create', '--holder', 'Hospital B', '--subgraphs', 'metrics'))
      .out;
    expect(token).toMatch(/^mfr_/);
    const out: string[] = [];
    const code = await runCli(
      ['subgraph', 'delete', '--name', 'ai-models'],
      { MEDFED_REGISTRY_URL: registry.url, MEDFED_TOKEN: token },
      { out: (l) => out.push(l), err: (l) => out.push(l) },
    );
    expect(code).toBe(EXIT.REFUSED);
    expect(out.join()).toMatch(/403 FORBIDDEN/);
  });

  it.each([
    [
      ['subgraph', 'publish', '--url', 'http://x/graphql', '--schema', 'x.graphql'],
      EXIT.USAGE,
      /subgraph publish needs --name/,
    ],
    [
      [
        'subgraph',
        'publish',
        '--name',
        'x',
        '--url',
        'http://x/graphql',
        '--schema',
        '/nonexistent.graphql',
      ],
      EXIT.USAGE,
      /ENOENT/,
    ],
    [['subgraph', 'frobnicate'], EXIT.USAGE, /unknown command "subgraph frobnicate"/],
    [['subgraph', 'list', '--colour'], EXIT.USAGE, /Unknown option '--colour'/],
    [
      ['supergraph', 'rollback', '--version', 'latest'],
      EXIT.USAGE,
      /--version must be a version number/,
    ],
    [
      ['subgraph', 'list', '--graph', 'nope'],
      EXIT.REFUSED,
      /404 NOT_FOUND\): Unknown graph "nope"/,
    ],
    [['subgraph', 'list', '--token', 'wrong'], EXIT.REFUSED, /401 UNAUTHENTICATED/],
    [
      ['subgraph', 'list', '--registry', 'http://127.0.0.1:9'],
      EXIT.UNREACHABLE,
      /Cannot reach the registry/,
    ],
  ])('%j exits %i with a clear message', async (argv, code, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
  });

  it('runs as a real command with those exit codes', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, MEDFED_REGISTRY_URL: registry.url, MEDFED_TOKEN: ADMIN_TOKEN };
    const ok = await run(process.execPath, ['bin/medfed.mjs', 'subgraph', 'list'], { env });
    expect(ok.stdout).toMatch(/^medfed version \d+/);
    const failed = await run(
      process.execPath,
      ['bin/medfed.mjs', 'subgraph', 'list', '--graph', 'nope'],
      { env },
    ).catch((e: unknown) => e as { code: number; stderr: string });
    expect(failed).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/Unknown graph "nope"/),
    });
  });
});
