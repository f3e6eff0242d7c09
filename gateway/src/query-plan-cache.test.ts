import { describe, expect, it } from 'vitest';
import { planningFingerprint } from './query-plan-cache.js';

const supergraph = (url: string, field = 'name') => `
enum join__Graph {
  AI_MODELS @join__graph(name: "ai-models", url: "${url}")
}
type Model @join__type(graph: AI_MODELS, key: "id") { id: ID! ${field}: String }`;

describe('planning fingerprint', () => {
  it('ignores routing URLs, and nothing else', () => {
    const a = planningFingerprint(supergraph('http://a:4001/graphql'));
    expect(planningFingerprint(supergraph('https://b.example/graphql'))).toBe(a);
    expect(planningFingerprint(supergraph('http://a:4001/graphql', 'title'))).not.toBe(a);
  });
});
