import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { connectDynamo, type DynamoConnection } from '#common/dynamo/create-dynamo-client.js';
import { createDynamoRegistryStore } from './dynamo-registry-store.js';
import { registryStoreContract } from './registry-store.contract.js';

let dynamo: DynamoConnection;
beforeAll(async () => {
  dynamo = await connectDynamo({ endpoint: 'embedded', region: 'local' });
});
afterAll(() => dynamo.close());

registryStoreContract('dynamodb (dynalite)', () =>
  createDynamoRegistryStore({ client: dynamo.client, tableName: `registry-${randomUUID()}` }),
);
