import type { GraphVersion, VersionSummary } from './graph-version.js';

/** Thrown by `append` when another writer took that version number first. */
export class VersionTakenError extends Error {
  constructor(
    readonly graph: string,
    readonly version: number,
  ) {
    super(`version ${version} of graph ${graph} already exists`);
    this.name = 'VersionTakenError';
  }
}

/**
 * The registry's storage port. Versions are append-only and written in one conditional step, so
 * two writers can never both create version N (one gets VersionTakenError and retries on top of
 * the other) and a reader never sees half a version. Adapters: DynamoDB and in-memory; both pass
 * registry-store.contract.ts.
 */
export interface RegistryStore {
  /** Names of all graphs. */
  listGraphs(): Promise<string[]>;
  /** The newest version, or undefined if the graph does not exist. */
  latest(graph: string): Promise<GraphVersion | undefined>;
  get(graph: string, version: number): Promise<GraphVersion | undefined>;
  /** Newest first. */
  history(graph: string, limit: number): Promise<VersionSummary[]>;
  /** Stores `next` if its version number is free; otherwise throws VersionTakenError. */
  append(next: GraphVersion): Promise<void>;
}
