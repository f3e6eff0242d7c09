import { MedfedError } from '../errors/medfed-error.js';
import { hasScope, type Identity } from './identity-token.js';

/** Scopes medfed's subgraphs check. */
export const SCOPES = {
  /** Fields carrying patient identity, even pseudonymous (they link a patient's scans). */
  PHI_READ: 'phi:read',
  MODELS_WRITE: 'models:write',
  METRICS_WRITE: 'metrics:write',
} as const;

/** Throws FORBIDDEN (a field-level error: the rest of the query is still answered). */
export function requireScope(identity: Identity, scope: string, what: string): void {
  if (!hasScope(identity, scope)) {
    throw new MedfedError('FORBIDDEN', `${what} needs the ${scope} scope`, { scope });
  }
}
