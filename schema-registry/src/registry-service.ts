import { createHash } from 'node:crypto';
import { EventEmitter, on } from 'node:events';
import { parse } from 'graphql';
import { composeSupergraph } from '#common/graphql/compose-supergraph.js';
import { MedfedError } from '#common/errors/medfed-error.js';
import type { Logger } from '#common/logging/create-logger.js';
import { breakingChanges, type BreakingChange } from './breaking-changes.js';
import type { GraphVersion, SubgraphRecord } from './store/graph-version.js';
import { VersionTakenError, type RegistryStore } from './store/registry-store.js';

export interface SubgraphInput {
  readonly name: string;
  readonly url: string;
  readonly sdl: string;
}

export interface CheckResult {
  readonly composes: boolean;
  readonly compositionErrors: readonly string[];
  readonly breakingChanges: readonly BreakingChange[];
}

export type PublishOutcome = 'created' | 'updated' | 'unchanged';

const MAX_ATTEMPTS = 20;

/**
 * The registry's rules. Every change (publish, delete, rollback) reads the latest version,
 * composes the proposed subgraph set, checks it for breaking changes, and appends the next
 * version; if another writer got there first, it starts over on top of that writer's version
 * (different subgraphs: both land), unless the subgraph it is changing was itself changed in the
 * meantime (same subgraph: the later writer gets CONFLICT and must re-check).
 */
export class RegistryService {
  private readonly changes = new EventEmitter({ captureRejections: false });
  private readonly closing = new AbortController();

  constructor(
    private readonly store: RegistryStore,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.changes.setMaxListeners(0);
  }

  async createGraph(graph: string, by: string): Promise<GraphVersion> {
    const empty = this.version(graph, 0, [], null, by, 'graph created');
    try {
      await this.store.append(empty);
    } catch (error) {
      if (error instanceof VersionTakenError) {
        throw new MedfedError('CONFLICT', `Graph "${graph}" already exists`);
      }
      throw error;
    }
    return empty;
  }

  listGraphs(): Promise<string[]> {
    return this.store.listGraphs();
  }

  async latest(graph: string): Promise<GraphVersion> {
    const latest = await this.store.latest(graph);
    if (!latest) throw new MedfedError('NOT_FOUND', `Unknown graph "${graph}"`);
    return latest;
  }

  async getVersion(graph: string, version: number): Promise<GraphVersion> {
    await this.latest(graph);
    const found = await this.store.get(graph, version);
    if (!found) throw new MedfedError('NOT_FOUND', `Graph "${graph}" has no version ${version}`);
    return found;
  }

  async history(graph: string, limit: number) {
    await this.latest(graph);
    return this.store.history(graph, limit);
  }

  async check(graph: string, input: SubgraphInput): Promise<CheckResult> {
    assertParses(input.sdl);
    const current = await this.latest(graph);
    const proposed = withSubgraph(current.subgraphs, input, 'check', this.now());
    return this.evaluate(current, proposed);
  }

  async publish(
    graph: string,
    input: SubgraphInput,
    options: { force: boolean; by: string },
  ): Promise<{
    outcome: PublishOutcome;
    version: GraphVersion;
    breakingChanges: BreakingChange[];
  }> {
    assertParses(input.sdl);
    let baseRevision: number | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.latest(graph);
      const existing = current.subgraphs.find((s) => s.name === input.name);
      const revision = existing?.revision ?? 0;
      if (baseRevision === undefined) baseRevision = revision;
      else if (revision !== baseRevision) {
        throw new MedfedError(
          'CONFLICT',
          `Subgraph "${input.name}" was changed by another publish while this one was checked ` +
            `(now revision ${revision}); check again and republish`,
          { revision },
        );
      }
      if (existing && existing.url === input.url && existing.sdl === input.sdl) {
        return { outcome: 'unchanged', version: current, breakingChanges: [] };
      }
      const proposed = withSubgraph(current.subgraphs, input, options.by, this.now());
      const next = await this.accept(
        current,
        proposed,
        options,
        existing ? `update ${input.name}` : `add ${input.name}`,
      );
      if (next) {
        return {
          outcome: existing ? 'updated' : 'created',
          version: next.version,
          breakingChanges: next.breaking,
        };
      }
    }
    throw new MedfedError('CONFLICT', `Graph "${graph}" is changing too fast; try again`);
  }

  async remove(graph: string, name: string, options: { force: boolean; by: string }) {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.latest(graph);
      if (!current.subgraphs.some((s) => s.name === name)) {
        throw new MedfedError('NOT_FOUND', `Graph "${graph}" has no subgraph "${name}"`);
      }
      const proposed = current.subgraphs.filter((s) => s.name !== name);
      const next = await this.accept(current, proposed, options, `remove ${name}`);
      if (next) return next;
    }
    throw new MedfedError('CONFLICT', `Graph "${graph}" is changing too fast; try again`);
  }

  async rollback(graph: string, toVersion: number, by: string) {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.latest(graph);
      const target = await this.getVersion(graph, toVersion);
      // A rollback may itself be breaking (it usually undoes additions): it is an explicit,
      // admin-only act, so it is forced.
      // Revisions only grow: a subgraph the rollback changes gets the next revision.
      const restored = target.subgraphs.map((s): SubgraphRecord => {
        const now = current.subgraphs.find((c) => c.name === s.name);
        if (now && now.url === s.url && now.sdl === s.sdl) return now;
        const revision = (now?.revision ?? s.revision) + 1;
        return { ...s, revision, updatedAt: this.now().toISOString(), updatedBy: by };
      });
      const next = await this.accept(
        current,
        restored,
        { force: true, by },
        `rollback to ${toVersion}`,
      );
      if (next) return next;
    }
    throw new MedfedError('CONFLICT', `Graph "${graph}" is changing too fast; try again`);
  }

  /**
   * Resolves with the latest version once its supergraph id differs from `knownId`, or with
   * undefined after `timeoutMs`. Local publishes wake it at once; changes made by another registry
   * replica are seen by a 1 s poll of the store.
   */
  async waitForChange(
    graph: string,
    knownId: string | null,
    timeoutMs: number,
    signal?: AbortSignal,
  ) {
    const deadline = Date.now() + timeoutMs;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.closing.signal.addEventListener('abort', onAbort, { once: true });
    const wake = on(this.changes, graph, { signal: stop.signal });
    try {
      while (Date.now() < deadline && !stop.signal.aborted) {
        const latest = await this.latest(graph);
        if (latest.supergraphId !== knownId) return latest;
        const wait = Math.min(1_000, deadline - Date.now());
        await Promise.race([wake.next(), sleep(wait, stop.signal)]).catch(() => undefined);
      }
      return undefined;
    } finally {
      stop.abort();
      signal?.removeEventListener('abort', onAbort);
      this.closing.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Releases every long poll (they answer 304), so the server can close promptly. */
  close(): void {
    this.closing.abort();
  }

  private async evaluate(
    current: GraphVersion,
    proposed: readonly SubgraphRecord[],
  ): Promise<CheckResult & { supergraphSdl: string | null }> {
    if (proposed.length === 0) {
      const breaking = current.supergraphSdl
        ? [{ type: 'GRAPH_EMPTIED', description: 'The graph would have no subgraphs left.' }]
        : [];
      return {
        composes: true,
        compositionErrors: [],
        breakingChanges: breaking,
        supergraphSdl: null,
      };
    }
    const composition = composeSupergraph(proposed);
    if (!composition.ok) {
      return {
        composes: false,
        compositionErrors: composition.errors,
        breakingChanges: [],
        supergraphSdl: null,
      };
    }
    const breaking = current.supergraphSdl
      ? breakingChanges(current.supergraphSdl, composition.supergraphSdl)
      : [];
    return {
      composes: true,
      compositionErrors: [],
      breakingChanges: breaking,
      supergraphSdl: composition.supergraphSdl,
    };
  }

  /** Composes and checks; appends the next version, or returns undefined if the number was taken. */
  private async accept(
    current: GraphVersion,
    proposed: readonly SubgraphRecord[],
    options: { force: boolean; by: string },
    reason: string,
  ): Promise<{ version: GraphVersion; breaking: BreakingChange[] } | undefined> {
    const result = await this.evaluate(current, proposed);
    if (!result.composes) {
      throw new MedfedError(
        'COMPOSITION_FAILED',
        `The subgraphs would not compose: ${result.compositionErrors.join('; ')}`,
        {
          compositionErrors: result.compositionErrors,
        },
      );
    }
    if (result.breakingChanges.length > 0 && !options.force) {
      throw new MedfedError(
        'BREAKING_CHANGE',
        `Refused: ${result.breakingChanges.length} breaking change(s) for existing clients (${result.breakingChanges
          .map((b) => b.description)
          .join(' ')}) Publish with force to accept them.`,
        { breakingChanges: result.breakingChanges },
      );
    }
    const next = this.version(
      current.graph,
      current.version + 1,
      proposed,
      result.supergraphSdl,
      options.by,
      reason,
    );
    try {
      await this.store.append(next);
    } catch (error) {
      if (error instanceof VersionTakenError) return undefined;
      throw error;
    }
    this.log.info(
      {
        graph: next.graph,
        version: next.version,
        reason,
        by: options.by,
        supergraphId: next.supergraphId,
      },
      'graph changed',
    );
    this.changes.emit(next.graph);
    return { version: next, breaking: [...result.breakingChanges] };
  }

  private version(
    graph: string,
    version: number,
    subgraphs: readonly SubgraphRecord[],
    supergraphSdl: string | null,
    by: string,
    reason: string,
  ): GraphVersion {
    return {
      graph,
      version,
      subgraphs: [...subgraphs].sort((a, b) => a.name.localeCompare(b.name)),
      supergraphSdl,
      supergraphId: supergraphSdl
        ? createHash('sha256').update(supergraphSdl).digest('hex').slice(0, 16)
        : null,
      createdAt: this.now().toISOString(),
      createdBy: by,
      reason,
    };
  }
}

function withSubgraph(
  current: readonly SubgraphRecord[],
  input: SubgraphInput,
  by: string,
  now: Date,
): SubgraphRecord[] {
  const existing = current.find((s) => s.name === input.name);
  const record: SubgraphRecord = {
    name: input.name,
    url: input.url,
    sdl: input.sdl,
    revision: (existing?.revision ?? 0) + 1,
    updatedAt: now.toISOString(),
    updatedBy: by,
  };
  return [...current.filter((s) => s.name !== input.name), record];
}

function assertParses(sdl: string): void {
  try {
    parse(sdl);
  } catch (error) {
    throw new MedfedError('BAD_USER_INPUT', `sdl: ${(error as Error).message}`, { field: 'sdl' });
  }
}

function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
