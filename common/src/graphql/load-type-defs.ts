import { readFileSync } from 'node:fs';
import type { DocumentNode } from 'graphql';
import { gql } from 'graphql-tag';

/** Reads a `.graphql` SDL file (next to the caller, via import.meta.url) into a DocumentNode. */
export function loadTypeDefs(file: URL): DocumentNode {
  return gql(readFileSync(file, 'utf8'));
}
