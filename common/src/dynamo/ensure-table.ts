import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/**
 * Creates the table if it does not exist and waits until it is ACTIVE. Idempotent, so every
 * replica of a service can call it at start-up; on real DynamoDB operators may pre-create tables
 * (with the same key schema) and this becomes a single DescribeTable.
 */
export async function ensureTable(
  client: DynamoDBClient,
  definition: CreateTableCommandInput & { TableName: string },
): Promise<void> {
  try {
    const { Table } = await client.send(
      new DescribeTableCommand({ TableName: definition.TableName }),
    );
    if (Table?.TableStatus === 'ACTIVE') return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    try {
      await client.send(new CreateTableCommand({ BillingMode: 'PAY_PER_REQUEST', ...definition }));
    } catch (createError) {
      if (!(createError instanceof ResourceInUseException)) throw createError;
    }
  }
  await waitUntilTableExists(
    { client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 },
    { TableName: definition.TableName },
  );
}
