import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { COMPUTE_USAGE, runComputeCli } from './compute-commands.js';
import {
  createRegistryClient,
  RegistryClientError,
} from '../../schema-registry/src/client/registry-client.js';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Whether stdout is a terminal (the progress bar then redraws one line). */
  isTTY?: boolean;
  write?(text: string): void;
}

/** Exit codes: 0 done, 1 refused by the registry (or a check found problems), 2 usage, 3 unreachable. */
export const EXIT = { OK: 0, REFUSED: 1, USAGE: 2, UNREACHABLE: 3 } as const;

const USAGE = `usage: medfed <command> [flags]

  subgraph publish  --name N --url URL --schema FILE [--force]
  subgraph check    --name N --schema FILE [--url URL]
  subgraph list
  subgraph delete   --name N [--force]
  supergraph fetch  [--out FILE]
  supergraph history [--limit N]
  supergraph rollback --version N          (admin)
  graph create      --name N               (admin)
  token create      --holder H --subgraphs a,b   (admin)

  common flags: --registry URL (or MEDFED_REGISTRY_URL), --token T (or MEDFED_TOKEN),
                --graph G (or MEDFED_GRAPH; default medfed), --json

${COMPUTE_USAGE}`;

class UsageError extends Error {}

/** The `medfed` command line; pure apart from the files it is told to read or write. */
export async function runCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: Io,
): Promise<number> {
  try {
    if (argv[0] === 'job' || argv[0] === 'worker') {
      return await runComputeCli(argv, env, io, (message) => {
        throw new UsageError(message);
      });
    }
    return await dispatch(argv, env, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`medfed: ${error.message}\n\n${USAGE}`);
      return EXIT.USAGE;
    }
    if (error instanceof RegistryClientError) {
      if (error.status === 0) {
        io.err(`medfed: ${error.message}`);
        return EXIT.UNREACHABLE;
      }
      io.err(`medfed: the registry refused (${error.status} ${error.code}): ${error.message}`);
      for (const e of (error.problem?.['compositionErrors'] as string[] | undefined) ?? [])
        io.err(`  composition: ${e}`);
      for (const b of (error.problem?.['breakingChanges'] as
        { description: string }[] | undefined) ?? [])
        io.err(`  breaking: ${b.description}`);
      return EXIT.REFUSED;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') {
      io.err(`medfed: ${(error as Error).message}`);
      return EXIT.USAGE;
    }
    throw error;
  }
}

async function dispatch(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: Io,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        registry: { type: 'string' },
        token: { type: 'string' },
        graph: { type: 'string' },
        name: { type: 'string' },
        url: { type: 'string' },
        schema: { type: 'string' },
        out: { type: 'string' },
        limit: { type: 'string' },
        version: { type: 'string' },
        holder: { type: 'string' },
        subgraphs: { type: 'string' },
        force: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const command = positionals.join(' ');
  if (values.help || !command) {
    io.out(USAGE);
    return values.help ? EXIT.OK : EXIT.USAGE;
  }
  const registry = values.registry ?? env['MEDFED_REGISTRY_URL'];
  const token = values.token ?? env['MEDFED_TOKEN'];
  if (!registry)
    throw new UsageError('no registry: pass --registry URL or set MEDFED_REGISTRY_URL');
  if (!token) throw new UsageError('no token: pass --token T or set MEDFED_TOKEN');
  const graph = values.graph ?? env['MEDFED_GRAPH'] ?? 'medfed';
  const client = createRegistryClient({ url: registry, token });
  const need = (flag: 'name' | 'url' | 'schema' | 'version' | 'holder' | 'subgraphs') => {
    const value = values[flag];
    if (!value) throw new UsageError(`${command} needs --${flag}`);
    return value;
  };
  const print = (human: string, data: unknown) =>
    io.out(values.json ? JSON.stringify(data, null, 2) : human);

  switch (command) {
    case 'subgraph publish': {
      const [name, url, file] = [need('name'), need('url'), need('schema')];
      const sdl = await readFile(file, 'utf8');
      const r = await client.publish(graph, name, { url, sdl, force: values.force });
      print(
        `${r.outcome}: ${values.name} in ${graph}, now version ${r.version} (supergraph ${r.supergraphId})`,
        r,
      );
      for (const b of r.breakingChanges) io.out(`  accepted breaking change: ${b.description}`);
      return EXIT.OK;
    }
    case 'subgraph check': {
      const [name, file] = [need('name'), need('schema')];
      const sdl = await readFile(file, 'utf8');
      const r = await client.check(graph, name, {
        sdl,
        ...(values.url ? { url: values.url } : {}),
      });
      const ok = r.composes && r.breakingChanges.length === 0;
      print(
        ok
          ? `ok: ${values.name} composes with ${graph} and breaks nothing`
          : `problems with ${values.name} in ${graph}:`,
        r,
      );
      if (!values.json) {
        for (const e of r.compositionErrors) io.out(`  composition: ${e}`);
        for (const b of r.breakingChanges) io.out(`  breaking: ${b.description}`);
      }
      return ok ? EXIT.OK : EXIT.REFUSED;
    }
    case 'subgraph list': {
      const r = await client.list(graph);
      print(
        [
          `${graph} version ${r.version}`,
          ...r.subgraphs.map((s) => `  ${s.name.padEnd(20)} rev ${s.revision}  ${s.url}`),
        ].join('\n'),
        r.subgraphs.map(({ sdl: _sdl, ...s }) => s),
      );
      return EXIT.OK;
    }
    case 'subgraph delete': {
      const r = await client.remove(graph, need('name'), values.force);
      print(`removed: ${values.name} from ${graph}, now version ${r.version}`, r);
      return EXIT.OK;
    }
    case 'supergraph fetch': {
      const r = await client.supergraph(graph);
      if (!r.changed) throw new UsageError('the registry answered no supergraph');
      if (values.out) {
        await writeFile(values.out, r.supergraph.sdl);
        print(
          `wrote ${values.out}: ${graph} version ${r.supergraph.version} (${r.supergraph.id})`,
          { ...r.supergraph, sdl: undefined },
        );
      } else {
        io.out(r.supergraph.sdl);
      }
      return EXIT.OK;
    }
    case 'supergraph history': {
      const limit = values.limit ? Number(values.limit) : 20;
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError('--limit must be a positive integer');
      const versions = await client.history(graph, limit);
      print(
        versions
          .map(
            (v) =>
              `  v${String(v.version).padEnd(5)} ${v.createdAt}  ${v.createdBy.padEnd(16)} ${v.reason}`,
          )
          .join('\n'),
        versions,
      );
      return EXIT.OK;
    }
    case 'supergraph rollback': {
      const version = Number(need('version'));
      if (!Number.isInteger(version) || version < 0)
        throw new UsageError('--version must be a version number');
      const r = await client.rollback(graph, version);
      print(`rolled back ${graph} to version ${version}, as new version ${r.version}`, r);
      return EXIT.OK;
    }
    case 'graph create': {
      await client.createGraph(need('name'));
      print(`created graph ${values.name}`, { graph: values.name });
      return EXIT.OK;
    }
    case 'token create': {
      const subgraphs = need('subgraphs')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const issued = await client.issueToken(need('holder'), subgraphs);
      print(issued, { token: issued, holder: values.holder, subgraphs });
      return EXIT.OK;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}
