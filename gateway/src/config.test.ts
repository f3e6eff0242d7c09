import { describe, expect, it } from 'vitest';
import { ConfigError } from '#common/config/load-config.js';
import { readConfig } from './config.js';

/** Auth settings the non-auth cases share: anonymous in, unsigned subgraph calls (development). */
const DEV = { AUTH_ANONYMOUS_SCOPES: '', ALLOW_UNSIGNED_SUBGRAPH_REQUESTS: 'true' };

describe('gateway config', () => {
  it('reads a subgraph list with safe defaults (limits on, introspection off)', () => {
    const config = readConfig({
      ...DEV,
      SUBGRAPHS: 'ai-models=http://a:1/graphql, metrics=http://m:2/graphql',
    });
    expect(config.supergraph).toEqual({
      kind: 'subgraphs',
      subgraphs: [
        { name: 'ai-models', url: 'http://a:1/graphql' },
        { name: 'metrics', url: 'http://m:2/graphql' },
      ],
      pollIntervalMs: 10_000,
    });
    expect(config.introspection).toBe(false);
    expect(config.resultShaping).toBe('lean');
    expect(config.limits).toEqual({
      maxDepth: 12,
      maxAliases: 30,
      maxTokens: 5000,
      maxBodyBytes: 102400,
    });
  });

  it('takes --supergraph over the environment', () => {
    const config = readConfig({ ...DEV, SUBGRAPHS: 'a=http://a/graphql' }, [
      '--supergraph',
      '/etc/sg.graphql',
      '--port',
      '9',
    ]);
    expect(config.supergraph).toEqual({ kind: 'file', path: '/etc/sg.graphql' });
    expect(config.port).toBe(9);
  });

  it.each([
    [{}, /set exactly one of REGISTRY_URL, SUBGRAPHS/],
    [{ REGISTRY_URL: 'http://registry:4100' }, /REGISTRY_TOKEN is required/],
    [{ SUBGRAPHS: 'a=http://a', SUPERGRAPH_PATH: '/x' }, /set exactly one/],
    [{ SUBGRAPHS: 'a=ftp://a' }, /"a=ftp:\/\/a" is not name=http\(s\):\/\/url/],
    [{ SUBGRAPHS: 'A B=http://a' }, /is not name=/],
    [{ SUBGRAPHS: 'a=http://a,a=http://b' }, /listed twice/],
    [{ SUBGRAPHS: 'a=http://a', MAX_DEPTH: '0' }, /MAX_DEPTH/],
    [{ SUBGRAPHS: 'a=http://a', INTROSPECTION: 'sometimes' }, /INTROSPECTION/],
    [{ SUBGRAPHS: 'a=http://a', RESULT_SHAPING: 'fast' }, /RESULT_SHAPING/],
  ])('refuses %o', (env, message) => {
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(message);
  });

  it('follows a registry', () => {
    const config = readConfig({
      ...DEV,
      REGISTRY_URL: 'http://registry:4100',
      REGISTRY_TOKEN: 't',
    });
    expect(config.supergraph).toEqual({
      kind: 'registry',
      url: 'http://registry:4100',
      graph: 'medfed',
      token: 't',
      cachePath: '.medfed/gateway/supergraph.json',
    });
  });

  it('reads authentication: API keys, JWT validation, identity key', () => {
    const config = readConfig({
      SUBGRAPHS: 'a=http://a/graphql',
      AUTH_API_KEYS: JSON.stringify([
        { name: 'lab', sha256: 'ab'.repeat(32), scopes: ['phi:read'] },
      ]),
      AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json',
      AUTH_JWT_ISSUER: 'https://idp.example',
      AUTH_JWT_AUDIENCE: 'medfed',
      IDENTITY_PRIVATE_KEY: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' }),
    });
    expect(config.auth).toEqual({
      apiKeys: [{ name: 'lab', sha256: 'ab'.repeat(32), scopes: ['phi:read'] }],
      jwt: {
        jwks: { url: 'https://idp.example/.well-known/jwks.json' },
        issuer: 'https://idp.example',
        audience: 'medfed',
      },
      anonymousScopes: undefined,
    });
    expect(config.identityPrivateKey).toMatchObject({ kty: 'OKP' });
  });

  it.each([
    [{ SUBGRAPHS: 'a=http://a', ALLOW_UNSIGNED_SUBGRAPH_REQUESTS: 'true' }, /no way in/],
    [{ SUBGRAPHS: 'a=http://a', AUTH_ANONYMOUS_SCOPES: '' }, /IDENTITY_PRIVATE_KEY is required/],
    [
      { ...DEV, SUBGRAPHS: 'a=http://a', AUTH_JWKS_FILE: '/jwks.json' },
      /needs AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE/,
    ],
    [
      { ...DEV, SUBGRAPHS: 'a=http://a', AUTH_API_KEYS: '[{"name":"x"}]' },
      /AUTH_API_KEYS must be JSON/,
    ],
    [
      { ...DEV, SUBGRAPHS: 'a=http://a', IDENTITY_PRIVATE_KEY: 'secret' },
      /IDENTITY_PRIVATE_KEY must be a JSON Web Key/,
    ],
  ])('refuses an unsafe or broken auth set-up %o', (env, message) => {
    expect(() => readConfig(env)).toThrow(message);
  });

  it('refuses unknown flags', () => {
    expect(() => readConfig({}, ['--superglue', 'x'])).toThrow(/superglue/);
  });
});
