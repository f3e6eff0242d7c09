import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Counts the DynamoDB API calls a client makes, by operation name (BatchGetItem, Query, ...).
 * Used by tests and benchmarks to prove batching; it observes, it changes nothing.
 */
export function countDynamoCalls(client: DynamoDBClient): {
  readonly counts: Map<string, number>;
  reset(): void;
} {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      const op = context.commandName?.replace(/Command$/, '') ?? 'unknown';
      counts.set(op, (counts.get(op) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'medfedCallCounter' },
  );
  return { counts, reset: () => counts.clear() };
}
