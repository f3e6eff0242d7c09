import { Type } from 'typebox';

/** Shared pieces of the registry's route schemas (they validate requests and document the API). */
export const NAME_PATTERN = '^[a-z][a-z0-9-]{0,62}$';

export const GraphParams = Type.Object({
  graph: Type.String({ pattern: NAME_PATTERN, description: 'Graph name' }),
});

export const SubgraphParams = Type.Object({
  graph: Type.String({ pattern: NAME_PATTERN }),
  name: Type.String({
    pattern: NAME_PATTERN,
    description: 'Subgraph name: lowercase letters, digits and -, starting with a letter',
  }),
});

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details' },
);

export const BreakingChange = Type.Object({ type: Type.String(), description: Type.String() });

export const VersionSummary = Type.Object({
  graph: Type.String(),
  version: Type.Integer(),
  supergraphId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  createdBy: Type.String(),
  reason: Type.String(),
  subgraphs: Type.Array(Type.Object({ name: Type.String(), revision: Type.Integer() })),
});

export const Subgraph = Type.Object({
  name: Type.String(),
  url: Type.String(),
  sdl: Type.String(),
  revision: Type.Integer(),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
});

export const Supergraph = Type.Object({
  graph: Type.String(),
  version: Type.Integer(),
  id: Type.String(),
  sdl: Type.String(),
  createdAt: Type.String(),
});

export const errorResponses = {
  400: Problem,
  401: Problem,
  403: Problem,
  404: Problem,
};
