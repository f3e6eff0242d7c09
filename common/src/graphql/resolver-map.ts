import type { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode } from 'graphql';

type SchemaModule = Exclude<
  Extract<Parameters<typeof buildSubgraphSchema>[0], readonly unknown[]>[number],
  DocumentNode
>;

/**
 * The resolver map `buildSubgraphSchema` takes, derived from its signature (the package does not
 * export the type from its entry point in every version, and deep imports are off limits).
 */
export type ResolverMap = NonNullable<SchemaModule['resolvers']>;
