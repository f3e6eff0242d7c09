import { buildSchema, parseOperation } from '@apollo/federation-internals';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '#common/logging/create-logger.js';
import { apolloResultShaping, installResultShaping } from './install-result-shaping.js';

const log = createLogger({ name: 'test', level: 'silent' });
afterAll(() => installResultShaping({ enabled: true, log }));

describe("installing lean result shaping into @apollo/gateway's executor", () => {
  const schema = buildSchema('type Query { a: Int! b: String }');
  const args = () => ({
    operation: parseOperation(schema, '{ b a }'),
    input: { a: 1, b: 'x', extra: true },
    introspectionHandling: () => null,
  });

  it('replaces the function the executor calls, and restores Apollo’s when disabled', () => {
    const { module, original } = apolloResultShaping();
    expect(installResultShaping({ enabled: true, log })).toBe(true);
    expect(module.computeResponse).not.toBe(original);
    const lean = module.computeResponse(args());
    expect(JSON.stringify(lean.data)).toBe('{"b":"x","a":1}');
    expect(JSON.stringify(lean.data)).toBe(JSON.stringify(original(args()).data));
    // Installing twice wraps Apollo's function, never its own wrapper.
    installResultShaping({ enabled: true, log });
    expect(apolloResultShaping().original).toBe(original);

    expect(installResultShaping({ enabled: false, log })).toBe(false);
    expect(module.computeResponse).toBe(original);
  });
});
