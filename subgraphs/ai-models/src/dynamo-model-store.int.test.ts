import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { connectDynamo, type DynamoConnection } from '#common/dynamo/create-dynamo-client.js';
import { createDynamoModelStore } from './dynamo-model-store.js';
import { modelStoreContract } from './model-store.contract.js';

let dynamo: DynamoConnection;
beforeAll(async () => {
  dynamo = await connectDynamo({ endpoint: 'embedded', region: 'local' });
});
afterAll(() => dynamo.close());

modelStoreContract('dynamodb (dynalite)', () =>
  createDynamoModelStore({ client: dynamo.client, tableName: `models-${randomUUID()}` }),
);
