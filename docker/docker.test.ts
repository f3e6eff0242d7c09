import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
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
        env: {
          ...process.env,
          IMAGE_FOLDER: '/srv/dicom',
          REGISTRY_ADMIN_TOKEN: 'x'.repeat(32),
          AI_MODELS_TOKEN: 't1',
          MEDICAL_IMAGES_TOKEN: 't2',
          METRICS_TOKEN: 't3',
          GATEWAY_TOKEN: 't4',
          DEID_SECRET: 's'.repeat(24),
          GATEWAY_PUBLIC_KEY: '{"kty":"OKP"}',
          IDENTITY_PRIVATE_KEY: '{"kty":"OKP"}',
        },
      });
    await run(['config', '--quiet']);
    const { stdout } = await run(['config', '--services']);
    expect(stdout.trim().split('\n').sort()).toEqual([
      'ai-models',
      'compute-service',
      'dynamodb',
      'gateway',
      'medical-images',
      'metrics',
      'redis',
      'schema-registry',
      'worker-cpu',
      'worker-gpu',
    ]);
    const { stdout: full } = await run(['config']);
    expect(full).toContain('REGISTRY_URL: http://schema-registry:4100');
    expect(full).toContain('REGISTER_ON_START:');
    expect(full).toContain('/srv/dicom:/data/images:ro');
    expect(full).toContain('GATEWAY_URL: http://gateway:4000/graphql');
    expect(full).toContain('WORKER_QUEUES: gpu');
    expect(full).toContain("GATEWAY_HEAP_MIB: '1024'");
  });

  it('refuses to start without the registry admin token, saying so', async () => {
    const refused = await promisify(execFile)(
      'docker-compose',
      ['-f', 'docker/compose.yaml', 'config', '--quiet'],
      {
        cwd: root,
        env: { PATH: process.env['PATH'] },
      },
    ).catch((e: unknown) => e as { stderr: string });
    expect(refused.stderr).toMatch(/set REGISTRY_ADMIN_TOKEN/);
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
    expect(existsSync(join(root, 'schema-registry/src/main.ts'))).toBe(true);
    expect(existsSync(join(root, 'gateway/src/main.ts'))).toBe(true);
    expect(existsSync(join(root, 'compute-service/src/main.ts'))).toBe(true);
    expect(existsSync(join(root, 'compute-service/src/worker-main.ts'))).toBe(true);
    expect(dockerfile).toContain('APOLLO_TELEMETRY_DISABLED=1');
    // Everything the services import at run time is in the image.
    const needed = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (
          path.endsWith('.ts') &&
          !path.includes('.test.') &&
          !path.endsWith('.contract.ts')
        ) {
          const text = readFileSync(join(root, path), 'utf8');
          for (const [, spec] of text.matchAll(/from '([^']+)'/g)) {
            if (spec!.startsWith('#common/')) needed.add('common');
            else if (spec!.startsWith('#fixtures/')) needed.add('fixtures');
            else if (spec!.startsWith('.'))
              needed.add(relative(root, resolve(root, dirname(path), spec!)).split(sep)[0]!);
          }
        }
      }
    };
    for (const service of ['gateway', 'schema-registry', 'subgraphs', 'cli', 'compute-service'])
      walk(service);
    for (const dir of needed) expect(copied, `the image lacks ${dir}/`).toContain(dir);
  });
});
