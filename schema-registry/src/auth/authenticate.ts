import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { MedfedError } from '#common/errors/medfed-error.js';
import { hashToken, type TokenStore } from './token-store.js';

export type Principal =
  | { readonly kind: 'admin'; readonly name: 'admin' }
  | { readonly kind: 'publisher'; readonly name: string; readonly subgraphs: readonly string[] };

/**
 * Resolves the caller from `Authorization: Bearer <token>`: the admin token (from config, compared
 * by hash in constant time) or an issued token. No or unknown token: 401. Permission checks
 * (403) are separate, below.
 */
export function createAuthenticator(options: { adminTokenHash: string; tokens: TokenStore }) {
  const admin = Buffer.from(options.adminTokenHash, 'hex');
  return async (request: FastifyRequest): Promise<Principal> => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      throw new MedfedError(
        'UNAUTHENTICATED',
        'Missing bearer token (Authorization: Bearer <token>)',
      );
    }
    const hash = hashToken(match[1]!);
    if (timingSafeEqual(Buffer.from(hash, 'hex'), admin)) return { kind: 'admin', name: 'admin' };
    const grant = await options.tokens.get(hash);
    if (!grant) throw new MedfedError('UNAUTHENTICATED', 'Unknown or revoked token');
    return { kind: 'publisher', name: grant.holder, subgraphs: grant.subgraphs };
  };
}

export function requireAdmin(principal: Principal, action: string): void {
  if (principal.kind !== 'admin') {
    throw new MedfedError('FORBIDDEN', `Only the registry admin may ${action}`);
  }
}

export function requireSubgraph(principal: Principal, subgraph: string): void {
  if (principal.kind === 'admin') return;
  if (!principal.subgraphs.includes('*') && !principal.subgraphs.includes(subgraph)) {
    throw new MedfedError(
      'FORBIDDEN',
      `Token of "${principal.name}" may not change subgraph "${subgraph}" (allowed: ${principal.subgraphs.join(', ') || 'none'})`,
    );
  }
}
