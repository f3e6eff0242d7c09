import { createRequire } from 'node:module';
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, findBreakingChanges, type printSchema } from 'graphql';

// The CommonJS copy of graphql-js, the one federation-internals builds its schemas with.
const graphqlCjs = createRequire(import.meta.url)('graphql') as { printSchema: typeof printSchema };

export interface BreakingChange {
  /** graphql-js change type: FIELD_REMOVED, FIELD_CHANGED_KIND, VALUE_REMOVED_FROM_ENUM, ... */
  readonly type: string;
  readonly description: string;
}

/**
 * Changes that break existing clients, between two supergraphs' API schemas (what clients see:
 * federation internals and @inaccessible parts removed): removed types or fields, changed types,
 * removed enum values, new required arguments, removed arguments, and the like.
 */
export function breakingChanges(before: string, after: string): BreakingChange[] {
  return findBreakingChanges(apiSchema(before), apiSchema(after)).map((c) => ({
    type: c.type,
    description: c.description,
  }));
}

/**
 * federation-internals is CommonJS and loads its own copy of graphql-js; schemas cross between the
 * two copies as SDL text, never as objects.
 */
function apiSchema(supergraphSdl: string) {
  const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  return buildSchema(graphqlCjs.printSchema(api));
}
