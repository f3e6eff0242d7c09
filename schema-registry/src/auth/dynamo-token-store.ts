import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { TokenGrant, TokenStore } from './token-store.js';

/** Tokens in the registry's table (created by the registry store): pk=token#<sha256>, sk=grant. */
export function createDynamoTokenStore(options: {
  client: DynamoDBClient;
  tableName: string;
}): TokenStore {
  const { client, tableName: TableName } = options;
  const key = (hash: string) => ({ pk: { S: `token#${hash}` }, sk: { S: 'grant' } });
  return {
    async put(hash, grant) {
      await client.send(
        new PutItemCommand({
          TableName,
          Item: { ...key(hash), ...marshall(grant) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },
    async get(hash) {
      const { Item } = await client.send(
        new GetItemCommand({ TableName, Key: key(hash), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const { holder, subgraphs, createdAt } = unmarshall(Item) as TokenGrant;
      return { holder, subgraphs, createdAt };
    },
  };
}
