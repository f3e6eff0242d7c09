import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GraphQLError } from 'graphql';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose';
import type { Identity } from '#common/auth/identity-token.js';

export interface AuthConfig {
  /** API keys, stored as SHA-256 hex of the key, each with its scopes. */
  readonly apiKeys: readonly { name: string; sha256: string; scopes: readonly string[] }[];
  readonly jwt?:
    | {
        readonly jwks: { readonly file: string } | { readonly url: string };
        readonly issuer: string;
        readonly audience: string;
      }
    | undefined;
  /** Scopes of callers with no credentials; undefined: anonymous access is refused. */
  readonly anonymousScopes?: readonly string[] | undefined;
}

/**
 * Who is calling the gateway: `Authorization: Bearer <JWT>` (signature, expiry, issuer and
 * audience verified against the JWKS; scopes from `scope` or `scp`), or an API key (`X-Api-Key`
 * or `Authorization: Bearer <key>`). No or bad credentials: UNAUTHENTICATED with HTTP 401.
 */
export async function createAuthenticator(config: AuthConfig) {
  const keys = config.apiKeys.map((k) => ({ ...k, digest: Buffer.from(k.sha256, 'hex') }));
  const jwks = config.jwt
    ? 'file' in config.jwt.jwks
      ? createLocalJWKSet(JSON.parse(await readFile(config.jwt.jwks.file, 'utf8')) as JSONWebKeySet)
      : createRemoteJWKSet(new URL(config.jwt.jwks.url))
    : undefined;

  return async (headers: Record<string, string | string[] | undefined>): Promise<Identity> => {
    const authorization =
      typeof headers['authorization'] === 'string' ? headers['authorization'] : undefined;
    const bearer = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] : undefined;
    const apiKey = typeof headers['x-api-key'] === 'string' ? headers['x-api-key'] : undefined;
    if (authorization && !bearer) throw unauthenticated('Authorization must be "Bearer <token>"');
    const credential = apiKey ?? bearer;
    if (!credential) {
      if (config.anonymousScopes) return { subject: 'anonymous', scopes: config.anonymousScopes };
      throw unauthenticated('Authentication required: a bearer JWT or an API key');
    }
    if (!apiKey && credential.split('.').length === 3) {
      if (!jwks || !config.jwt) throw unauthenticated('JWTs are not accepted by this gateway');
      try {
        const { payload } = await jwtVerify(credential, jwks, {
          issuer: config.jwt.issuer,
          audience: config.jwt.audience,
        });
        const scopes =
          typeof payload['scope'] === 'string'
            ? payload['scope'].split(' ').filter(Boolean)
            : Array.isArray(payload['scp'])
              ? payload['scp'].filter((s): s is string => typeof s === 'string')
              : [];
        return { subject: payload.sub ?? 'unknown', scopes };
      } catch (error) {
        throw unauthenticated(`Invalid token: ${describe(error)}`);
      }
    }
    const digest = createHash('sha256').update(credential).digest();
    const key = keys.find(
      (k) => k.digest.length === digest.length && timingSafeEqual(k.digest, digest),
    );
    if (!key) throw unauthenticated('Unknown API key');
    return { subject: `api-key:${key.name}`, scopes: key.scopes };
  };
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `${error.claim} claim check failed`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'signature verification failed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'signed by an unknown key';
  return (error as Error).message;
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) },
    },
  });
}
