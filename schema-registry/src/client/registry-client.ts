/** An error answered by the registry (RFC 9457), or a failure to reach it (status 0). */
export class RegistryClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problem?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RegistryClientError';
  }
}

export interface PublishResult {
  readonly outcome: 'created' | 'updated' | 'unchanged' | 'removed';
  readonly version: number;
  readonly supergraphId: string | null;
  readonly breakingChanges: readonly { type: string; description: string }[];
}

export interface SupergraphDocument {
  readonly graph: string;
  readonly version: number;
  readonly id: string;
  readonly sdl: string;
  readonly createdAt: string;
}

/** A small typed client for the schema registry's REST API, over fetch. */
export function createRegistryClient(options: { url: string; token: string; timeoutMs?: number }) {
  const base = options.url.replace(/\/$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function call<T>(
    method: string,
    path: string,
    init: {
      body?: unknown;
      headers?: Record<string, string>;
      timeoutMs?: number;
      signal?: AbortSignal;
    } = {},
  ): Promise<{ status: number; body: T; etag: string | null }> {
    const signals = [
      AbortSignal.timeout(init.timeoutMs ?? timeoutMs),
      ...(init.signal ? [init.signal] : []),
    ];
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        signal: AbortSignal.any(signals),
      });
    } catch (error) {
      throw new RegistryClientError(
        0,
        'REGISTRY_UNAVAILABLE',
        `Cannot reach the registry at ${base}: ${(error as Error).message}`,
      );
    }
    const text = await response.text();
    const body = (text ? JSON.parse(text) : null) as T;
    if (response.status >= 400) {
      const problem = (body ?? {}) as { code?: string; detail?: string };
      throw new RegistryClientError(
        response.status,
        problem.code ?? `HTTP_${response.status}`,
        problem.detail ?? `HTTP ${response.status}`,
        body as Record<string, unknown>,
      );
    }
    return { status: response.status, body, etag: response.headers.get('etag') };
  }

  const g = (graph: string) => `/v1/graphs/${encodeURIComponent(graph)}`;
  const s = (graph: string, name: string) => `${g(graph)}/subgraphs/${encodeURIComponent(name)}`;

  return {
    createGraph: async (name: string) =>
      (await call('POST', '/v1/graphs', { body: { name } })).body,
    listGraphs: async () => (await call<{ graphs: string[] }>('GET', '/v1/graphs')).body.graphs,
    issueToken: async (holder: string, subgraphs: string[]) =>
      (await call<{ token: string }>('POST', '/v1/tokens', { body: { holder, subgraphs } })).body
        .token,
    publish: async (
      graph: string,
      name: string,
      input: { url: string; sdl: string; force?: boolean },
    ) => (await call<PublishResult>('PUT', s(graph, name), { body: input })).body,
    check: async (graph: string, name: string, input: { url?: string; sdl: string }) =>
      (
        await call<{
          composes: boolean;
          compositionErrors: string[];
          breakingChanges: { type: string; description: string }[];
        }>('POST', `${s(graph, name)}/check`, { body: input })
      ).body,
    list: async (graph: string) =>
      (
        await call<{
          version: number;
          subgraphs: {
            name: string;
            url: string;
            revision: number;
            updatedAt: string;
            updatedBy: string;
            sdl: string;
          }[];
        }>('GET', `${g(graph)}/subgraphs`)
      ).body,
    remove: async (graph: string, name: string, force = false) =>
      (await call<PublishResult>('DELETE', `${s(graph, name)}?force=${force}`)).body,
    history: async (graph: string, limit = 50) =>
      (
        await call<{
          versions: {
            version: number;
            supergraphId: string | null;
            createdAt: string;
            createdBy: string;
            reason: string;
            subgraphs: { name: string; revision: number }[];
          }[];
        }>('GET', `${g(graph)}/supergraph/versions?limit=${limit}`)
      ).body.versions,
    rollback: async (graph: string, version: number) =>
      (
        await call<{ version: number; supergraphId: string | null }>(
          'POST',
          `${g(graph)}/supergraph/rollback`,
          { body: { version } },
        )
      ).body,
    /**
     * The supergraph, or `unchanged` when its id is still `knownId`. With `waitSeconds` the
     * registry holds the request until it changes (long poll).
     */
    async supergraph(
      graph: string,
      opts: { knownId?: string | null; waitSeconds?: number; signal?: AbortSignal } = {},
    ): Promise<{ changed: true; supergraph: SupergraphDocument } | { changed: false }> {
      const wait = opts.waitSeconds ?? 0;
      const { status, body } = await call<SupergraphDocument | null>(
        'GET',
        `${g(graph)}/supergraph${wait ? `?wait=${wait}` : ''}`,
        {
          headers: opts.knownId ? { 'if-none-match': `"${opts.knownId}"` } : {},
          timeoutMs: wait * 1000 + timeoutMs,
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
      );
      return status === 304 || !body ? { changed: false } : { changed: true, supergraph: body };
    },
  };
}

export type RegistryClient = ReturnType<typeof createRegistryClient>;
