import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Io } from './run-cli.js';

export const COMPUTE_USAGE = `  job submit  --pipeline P --input-tag T (--query Q | --query-file F) [--var k=v ...]
              [--use-cache] [--no-wait]       submit, then follow with a progress bar
  job get     --id ID                          a job's status and progress (JSON)
  job cancel  --id ID
  worker      [--queues cpu,gpu]               run a pipeline worker (WORKER_* settings)

  compute flags: --compute URL (or MEDFED_COMPUTE_URL), --api-key K (or MEDFED_API_KEY),
                 sent on to the gateway with the query`;

/** Exit codes of the job commands: 0 succeeded, 1 failed or cancelled, 4 partially succeeded. */
const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3, PARTIAL: 4 } as const;
const TERMINAL = ['SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED', 'CANCELLED'];

interface JobBody {
  id: string;
  status: string;
  error?: string;
  render?: string;
  jobs?: string;
  progress?: {
    units: { total: number; succeeded: number; failed: number };
    images: { total: number; fetched: number; failed: number };
    stages: { name: string; succeeded: number; running: number }[];
  };
  units?: { id: string; state: string; error?: string }[];
  images?: { id: string; state: string; error?: string }[];
}

/** A text progress bar: stages done over stages to do (units × stages), fetching counted first. */
export function progressLine(job: JobBody, width = 30): string {
  const p = job.progress;
  if (!p) return job.status;
  const stageCount = p.stages.length;
  const total = Math.max(1, p.units.total) * stageCount;
  const done = p.stages.reduce((n, s) => n + s.succeeded, 0) + p.units.failed * stageCount;
  const fraction = TERMINAL.includes(job.status)
    ? 1
    : p.units.total === 0
      ? 0
      : Math.min(1, done / total);
  const filled = Math.round(fraction * width);
  const running = p.stages.filter((s) => s.running > 0).map((s) => s.name);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ${job.status.padEnd(19)} units ${p.units.succeeded}/${p.units.total}${p.units.failed ? ` (${p.units.failed} failed)` : ''}  images ${p.images.fetched}/${p.images.total}${running.length ? `  ${running.join(', ')}` : ''}`;
}

export async function runComputeCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: Io & { isTTY?: boolean; write?: (text: string) => void },
  usage: (message: string) => never,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        compute: { type: 'string' },
        'api-key': { type: 'string' },
        pipeline: { type: 'string' },
        'input-tag': { type: 'string' },
        query: { type: 'string' },
        'query-file': { type: 'string' },
        var: { type: 'string', multiple: true },
        'use-cache': { type: 'boolean', default: false },
        'no-wait': { type: 'boolean', default: false },
        id: { type: 'string' },
        queues: { type: 'string' },
        'poll-ms': { type: 'string' },
      },
    });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  const command = positionals.join(' ');
  if (command === 'worker') {
    const { runWorker } = await import('../../compute-service/src/worker-main.js');
    await runWorker(env, values.queues ? { queues: values.queues } : {});
    return await new Promise<number>(() => undefined); // runs until a signal stops it
  }
  const base = (values.compute ?? env['MEDFED_COMPUTE_URL'])?.replace(/\/$/, '');
  if (!base) return usage('no compute service: pass --compute URL or set MEDFED_COMPUTE_URL');
  const apiKey = values['api-key'] ?? env['MEDFED_API_KEY'];
  const headers: Record<string, string> = apiKey ? { 'x-api-key': apiKey } : {};
  const call = async (method: string, path: string, body?: unknown) => {
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return {
        status: response.status,
        body: (await response.json()) as JobBody & { detail?: string; code?: string },
      };
    } catch (error) {
      throw Object.assign(new Error(`${base} is unreachable (${(error as Error).message})`), {
        unreachable: true,
      });
    }
  };
  const pollMs = Number(values['poll-ms'] ?? 500);

  try {
    switch (command) {
      case 'job submit': {
        if (!values.pipeline || !values['input-tag'])
          return usage('job submit needs --pipeline and --input-tag');
        const query =
          values.query ??
          (values['query-file'] ? await readFile(values['query-file'], 'utf8') : undefined);
        if (!query) return usage('job submit needs --query or --query-file');
        const variables: Record<string, string> = {};
        for (const pair of values.var ?? []) {
          const at = pair.indexOf('=');
          if (at < 1) return usage(`--var ${pair}: expected name=value`);
          variables[pair.slice(0, at)] = pair.slice(at + 1);
        }
        const posted = await call('POST', '/v1/jobs', {
          pipeline_tag: values.pipeline,
          input_tag: values['input-tag'],
          use_cache: values['use-cache'],
          query,
          ...(Object.keys(variables).length ? { variables } : {}),
        });
        if (posted.status >= 400) {
          io.err(`medfed: refused (${posted.status} ${posted.body.code}): ${posted.body.detail}`);
          return EXIT.FAILED;
        }
        io.out(`job ${posted.body.id} ${posted.body.status}`);
        io.out(`  job:    ${posted.body.jobs}`);
        io.out(`  render: ${posted.body.render}`);
        if (values['no-wait']) return EXIT.OK;
        return follow(posted.body.id);
      }
      case 'job get': {
        if (!values.id) return usage('job get needs --id');
        const r = await call('GET', `/v1/jobs/${values.id}`);
        io.out(JSON.stringify(r.body, null, 2));
        return r.status === 200 ? EXIT.OK : EXIT.FAILED;
      }
      case 'job cancel': {
        if (!values.id) return usage('job cancel needs --id');
        const r = await call('DELETE', `/v1/jobs/${values.id}`);
        io.out(r.status === 202 ? `job ${values.id} CANCELLED` : `medfed: ${r.body.detail}`);
        return r.status === 202 ? EXIT.OK : EXIT.FAILED;
      }
      default:
        return usage(`unknown command "${command}"`);
    }
  } catch (error) {
    if ((error as { unreachable?: boolean }).unreachable) {
      io.err(`medfed: ${(error as Error).message}`);
      return EXIT.UNREACHABLE;
    }
    throw error;
  }

  async function follow(id: string): Promise<number> {
    let last = '';
    for (;;) {
      const { body: job } = await call('GET', `/v1/jobs/${id}`);
      const line = progressLine(job);
      if (line !== last) {
        if (io.isTTY && io.write) io.write(`\r${line}`);
        else io.out(line);
        last = line;
      }
      if (TERMINAL.includes(job.status)) {
        if (io.isTTY && io.write) io.write('\n');
        for (const u of job.units ?? []) if (u.error) io.out(`  unit ${u.id} failed: ${u.error}`);
        for (const i of job.images ?? []) if (i.error) io.out(`  image ${i.id} failed: ${i.error}`);
        if (job.error) io.out(`  ${job.error}`);
        io.out(`${job.status}: results at ${base}/v1/jobs/${id}/results, render at ${job.render}`);
        return job.status === 'SUCCEEDED'
          ? EXIT.OK
          : job.status === 'PARTIALLY_SUCCEEDED'
            ? EXIT.PARTIAL
            : EXIT.FAILED;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
