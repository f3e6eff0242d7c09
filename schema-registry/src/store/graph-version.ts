/** One subgraph as published to a graph. */
export interface SubgraphRecord {
  readonly name: string;
  /** Routing URL the gateway sends this subgraph's requests to. */
  readonly url: string;
  readonly sdl: string;
  /** Increases with every accepted change to this subgraph (url or sdl). */
  readonly revision: number;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/**
 * An immutable, numbered state of a graph: its subgraphs and the supergraph they compose to.
 * Version 0 is the empty graph; each accepted publish, delete or rollback appends the next one.
 */
export interface GraphVersion {
  readonly graph: string;
  readonly version: number;
  readonly subgraphs: readonly SubgraphRecord[];
  /** Null when the graph has no subgraphs. */
  readonly supergraphSdl: string | null;
  /** Content hash of supergraphSdl (the ETag); null when there is none. */
  readonly supergraphId: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly reason: string;
}

export type VersionSummary = Omit<GraphVersion, 'subgraphs' | 'supergraphSdl'> & {
  readonly subgraphs: readonly Pick<SubgraphRecord, 'name' | 'revision'>[];
};

export function summarize(v: GraphVersion): VersionSummary {
  return {
    graph: v.graph,
    version: v.version,
    supergraphId: v.supergraphId,
    createdAt: v.createdAt,
    createdBy: v.createdBy,
    reason: v.reason,
    subgraphs: v.subgraphs.map((s) => ({ name: s.name, revision: s.revision })),
  };
}
