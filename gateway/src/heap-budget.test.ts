import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATEWAY_HEAP_MIB, gatewayNodeFlags } from './heap-budget.js';

describe('the gateway heap budget', () => {
  it('defaults to 1 GiB and takes GATEWAY_HEAP_MIB', () => {
    expect(gatewayNodeFlags({})).toEqual([`--max-old-space-size=${DEFAULT_GATEWAY_HEAP_MIB}`]);
    expect(gatewayNodeFlags({ GATEWAY_HEAP_MIB: '512' })).toEqual(['--max-old-space-size=512']);
  });

  it.each(['lots', '64', '1.5', '-1'])('refuses GATEWAY_HEAP_MIB=%s', (value) => {
    expect(() => gatewayNodeFlags({ GATEWAY_HEAP_MIB: value })).toThrow(/GATEWAY_HEAP_MIB/);
  });

  it('is what the container image starts the gateway with', async () => {
    const dockerfile = await readFile(new URL('../../docker/Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).toContain(
      `--max-old-space-size=\${GATEWAY_HEAP_MIB:-${DEFAULT_GATEWAY_HEAP_MIB}}`,
    );
  });
});
