import { createHash, randomBytes } from 'node:crypto';

/** What a token may do. Publishers are scoped to subgraph names; every valid token may read. */
export interface TokenGrant {
  /** Who holds it (an institution), for the audit trail (`createdBy` of versions). */
  readonly holder: string;
  /** Subgraph names it may publish, check and delete; `*` for all. */
  readonly subgraphs: readonly string[];
  readonly createdAt: string;
}

/**
 * Where issued tokens are kept: only their SHA-256, never the token. Tokens are 256 random bits,
 * so a fast hash is enough (no password-style stretching is needed against guessing).
 */
export interface TokenStore {
  put(hash: string, grant: TokenGrant): Promise<void>;
  get(hash: string): Promise<TokenGrant | undefined>;
}

export function newToken(): string {
  return `mfr_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createMemoryTokenStore(): TokenStore {
  const grants = new Map<string, TokenGrant>();
  return {
    put: (hash, grant) => Promise.resolve(void grants.set(hash, grant)),
    get: (hash) => Promise.resolve(grants.get(hash)),
  };
}
