import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { countDynamoCalls } from '#common/dynamo/count-dynamo-calls.js';
import { connectDynamo, type DynamoConnection } from '#common/dynamo/create-dynamo-client.js';
import { createDynamoMetricStore } from './dynamo-metric-store.js';
import { metricStoreContract } from './metric-store.contract.js';

let dynamo: DynamoConnection;
beforeAll(async () => {
  dynamo = await connectDynamo({ endpoint: 'embedded', region: 'local' });
});
afterAll(() => dynamo.close());

metricStoreContract('dynamodb (dynalite)', () =>
  createDynamoMetricStore({ client: dynamo.client, tableName: `metrics-${randomUUID()}` }),
);

it('reads 500 subjects with 5 BatchGetItem calls', async () => {
  const store = await createDynamoMetricStore({
    client: dynamo.client,
    tableName: `metrics-${randomUUID()}`,
  });
  const subjects = Array.from({ length: 500 }, (_, i) => ({
    type: 'MEDICAL_IMAGE' as const,
    id: `img-${i}`,
  }));
  const calls = countDynamoCalls(dynamo.client);
  const result = await store.getForSubjects(subjects);
  expect(result).toHaveLength(500);
  expect(Object.fromEntries(calls.counts)).toEqual({ BatchGetItem: 5 });
});
