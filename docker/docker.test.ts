import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** What can be checked of the deployment files without a Docker engine. */
const root = join(import.meta.dirname, '..');
const dockerfile = readFileSync(join(root, 'docker/Dockerfile'), 'utf8');

describe('docker/', () => {
  it('compose.yaml is valid for the compose client and wires every service', async () => {
    const run = (args: string[]) =>
      promisify(execFile)('docker-compose', ['-f', 'docker/compose.yaml', ...args], {
        cwd: root,
        env: { ...process.env, IMAGE_FOLDER: '/srv/dicom' },
      });
    await run(['config', '--quiet']);
    const { stdout } = await run(['config', '--services']);
    expect(stdout.trim().split('\n').sort()).toEqual([
      'ai-models',
      'dynamodb',
      'gateway',
      'medical-images',
      'metrics',
    ]);
    const { stdout: full } = await run(['config']);
    expect(full).toMatch(/ai-models=http:\/\/ai-models:4001\/graphql/);
    expect(full).toContain('/srv/dicom:/data/images:ro');
  });

  it('Dockerfile copies paths that exist and starts a main that exists for every service', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      m[1]!.split(' '),
    );
    expect(copied.length).toBeGreaterThan(5);
    for (const path of copied) expect(existsSync(join(root, path)), path).toBe(true);
    for (const service of ['ai-models', 'medical-images', 'metrics']) {
      expect(existsSync(join(root, 'subgraphs', service, 'src/main.ts'))).toBe(true);
    }
    expect(existsSync(join(root, 'gateway/src/main.ts'))).toBe(true);
    expect(dockerfile).toContain('APOLLO_TELEMETRY_DISABLED=1');
  });
});
