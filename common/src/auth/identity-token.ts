import { importJWK, jwtVerify, SignJWT, type JWK } from 'jose';

/**
 * The caller's identity as the gateway forwards it to subgraphs: a short-lived EdDSA-signed JWT
 * in this header. Asymmetric on purpose: subgraphs (run by different institutions) hold only the
 * gateway's public key, so none can forge an identity towards another.
 */
export const IDENTITY_HEADER = 'x-medfed-identity';
const ISSUER = 'medfed-gateway';
const AUDIENCE = 'medfed-subgraphs';
const LIFETIME_S = 60;

export interface Identity {
  readonly subject: string;
  readonly scopes: readonly string[];
}

export function hasScope(identity: Identity, scope: string): boolean {
  return identity.scopes.includes(scope) || identity.scopes.includes('*');
}

/** Signs identities; tokens are cached per identity for half their lifetime (signing is hot-path). */
export async function createIdentitySigner(
  privateJwk: JWK,
): Promise<(identity: Identity) => Promise<string>> {
  const key = await importJWK(privateJwk, 'EdDSA');
  const cache = new Map<string, { token: string; until: number }>();
  return async (identity) => {
    const cacheKey = `${identity.subject}\0${[...identity.scopes].sort().join(' ')}`;
    const now = Date.now();
    const hit = cache.get(cacheKey);
    if (hit && hit.until > now) return hit.token;
    const token = await new SignJWT({ scope: identity.scopes.join(' ') })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject(identity.subject)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${LIFETIME_S}s`)
      .sign(key);
    if (cache.size > 10_000) cache.clear();
    cache.set(cacheKey, { token, until: now + (LIFETIME_S * 1000) / 2 });
    return token;
  };
}

export async function createIdentityVerifier(
  publicJwk: JWK,
): Promise<(token: string) => Promise<Identity>> {
  const key = await importJWK(publicJwk, 'EdDSA');
  return async (token) => {
    const { payload } = await jwtVerify(token, key, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['EdDSA'],
    });
    return {
      subject: payload.sub ?? 'unknown',
      scopes:
        typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter(Boolean) : [],
    };
  };
}
