import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig } from './load-config.js';
import { booleanFlag, dynamoEndpoint, port } from './env-schemas.js';

const schema = z.object({
  PORT: port(4000),
  VERBOSE: booleanFlag(false),
  DYNAMODB_ENDPOINT: dynamoEndpoint,
});

describe('loadConfig', () => {
  it('applies defaults and freezes the result', () => {
    const config = loadConfig('test', schema, {});
    expect(config).toEqual({ PORT: 4000, VERBOSE: false, DYNAMODB_ENDPOINT: 'embedded' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('coerces strings from the environment', () => {
    const config = loadConfig('test', schema, {
      PORT: '8080',
      VERBOSE: 'yes',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
    });
    expect(config).toEqual({
      PORT: 8080,
      VERBOSE: true,
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
    });
  });

  it('lists every problem at once, naming the variable', () => {
    let error: unknown;
    try {
      loadConfig('test', schema, {
        PORT: 'ninety',
        VERBOSE: 'maybe',
        DYNAMODB_ENDPOINT: 'ftp://x',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/VERBOSE/);
    expect(problems.join('\n')).toMatch(/DYNAMODB_ENDPOINT/);
  });
});
