import { z } from 'zod';

/** Reusable zod pieces for environment variables (strings in, typed values out). */
export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);

export const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);

export const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * Where DynamoDB lives: `embedded` starts dynalite in-process (the default, no cloud account),
 * `aws` uses the SDK's normal endpoint and credential chain, anything else is an endpoint URL
 * (DynamoDB Local, a shared dynalite, a VPC endpoint).
 */
export const dynamoEndpoint = z
  .union([z.literal('embedded'), z.literal('aws'), httpUrl])
  .default('embedded');
