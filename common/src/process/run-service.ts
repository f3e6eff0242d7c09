import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface RunningService {
  readonly name: string;
  /** The URL the service logged when it became ready. */
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts one medfed service (its real main.ts) as a child process with the given environment,
 * appends its JSON logs to `logFile`, and resolves at its first log line whose message is
 * `readyMessage`, with that line's `url` (empty for services without one, such as workers).
 */
export function runService(options: {
  name: string;
  entry: string;
  env: Record<string, string>;
  /** Arguments after the entry (e.g. a CLI command). */
  args?: readonly string[];
  /** Node's own flags (e.g. a heap budget), before the entry. */
  nodeArgs?: readonly string[];
  logFile: string;
  readyMessage: string;
  timeoutMs?: number;
}): Promise<RunningService> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', options.entry, ...(options.args ?? [])],
    {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const log = createWriteStream(options.logFile, { flags: 'a' });
  child.stderr.pipe(log);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${options.name} did not become ready; see ${options.logFile}`));
    }, options.timeoutMs ?? 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with code ${code}; see ${options.logFile}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.write(`${line}\n`);
      let record: { msg?: string; url?: string };
      try {
        record = JSON.parse(line) as { msg?: string; url?: string };
      } catch {
        return;
      }
      if (record.msg === options.readyMessage) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ name: options.name, url: record.url ?? '', child, stop });
      }
    });
  });
}
