import type { ModelRecord, NewModel } from './model.js';

export interface ModelFilter {
  readonly id?: string | null | undefined;
  readonly name?: string | null | undefined;
  readonly platform?: string | null | undefined;
}

/**
 * The port behind the ai-models subgraph. Adapters: DynamoDB (real, and dynalite in dev/tests)
 * and in-memory (unit tests). Both pass `model-store.contract.ts`.
 */
export interface ModelStore {
  /** One backend round for any number of ids; result i answers ids[i] (undefined: unknown). */
  getByIds(ids: readonly string[]): Promise<(ModelRecord | undefined)[]>;
  /** Models matching every given filter, ordered by id. */
  find(filter: ModelFilter): Promise<ModelRecord[]>;
  /** Stores a new model; a taken id or (name, version) is a CONFLICT MedfedError. */
  register(model: NewModel): Promise<ModelRecord>;
}

export function byId(a: ModelRecord, b: ModelRecord): number {
  return a.id.localeCompare(b.id, 'en', { numeric: true });
}

export function matches(model: ModelRecord, filter: ModelFilter): boolean {
  return (
    (filter.id == null || model.id === filter.id) &&
    (filter.name == null || model.name === filter.name) &&
    (filter.platform == null || model.platform === filter.platform)
  );
}
