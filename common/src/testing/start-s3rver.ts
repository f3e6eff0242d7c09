import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * An S3-API server for tests: s3rver (pure npm, filesystem-backed) in its own Node process on a
 * free loopback port, with one bucket. Its own process, because s3rver's ListObjectsV2 paging
 * tokens use DES, which Node 20's OpenSSL 3 only offers with --openssl-legacy-provider. The SDK
 * talks to it exactly as to S3 (path-style addressing).
 */
export async function startS3rver(bucket = 'medfed-test'): Promise<{
  endpoint: string;
  bucket: string;
  close(): Promise<void>;
}> {
  const directory = await mkdtemp(join(tmpdir(), 'medfed-s3-'));
  const script = `
    const S3rver = require('s3rver');
    new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[1],
                 configureBuckets: [{ name: process.argv[2] }] })
      .run().then(({ port }) => console.log('listening ' + port));`;
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', script, directory, bucket],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
  });
  child.removeAllListeners('exit');
  process.env['AWS_ACCESS_KEY_ID'] ??= 'S3RVER';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'S3RVER';
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
