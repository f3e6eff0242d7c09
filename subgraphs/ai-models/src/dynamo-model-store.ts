import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { batchGetAll } from '#common/dynamo/batch-get-all.js';
import { ensureTable } from '#common/dynamo/ensure-table.js';
import { MedfedError } from '#common/errors/medfed-error.js';
import { toRecord, type ModelRecord, type NewModel } from './model.js';
import { byId, matches, type ModelFilter, type ModelStore } from './model-store.js';

/**
 * One table, three kinds of item under the partition key `pk`:
 *   model#<id>                  the model (GSIs byName and byPlatform index these only)
 *   nameVersion#<name>#<ver>    guard that makes (name, version) unique; holds the model id
 *   counter                     the next integer id
 * DynamoDB Local supports transactions but dynalite does not, so uniqueness is enforced with
 * conditional puts in a fixed order, and a guard whose model item never got written (a crash
 * between the two puts) is recognised as stale and taken over, so nothing is left half-done.
 */

export async function createDynamoModelStore(options: {
  client: DynamoDBClient;
  tableName: string;
}): Promise<ModelStore> {
  const { client, tableName: TableName } = options;
  await ensureTable(client, {
    TableName,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'name', AttributeType: 'S' },
      { AttributeName: 'platform', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byName',
        KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'byPlatform',
        KeySchema: [{ AttributeName: 'platform', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  });

  const modelKey = (id: string) => ({ pk: { S: `model#${id}` } });
  const guardKey = (name: string, version: string) => ({
    pk: { S: `nameVersion#${name}#${version}` },
  });

  async function getModel(id: string): Promise<ModelRecord | undefined> {
    const { Item } = await client.send(
      new GetItemCommand({ TableName, Key: modelKey(id), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async function nextId(): Promise<string> {
    const { Attributes } = await client.send(
      new UpdateItemCommand({
        TableName,
        Key: { pk: { S: 'counter' } },
        UpdateExpression: 'ADD #next :one',
        ExpressionAttributeNames: { '#next': 'next' },
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const n = Attributes?.['next']?.N;
    if (!n) throw new Error('id counter returned no value');
    return n;
  }

  /** Claims (name, version) for `id`; takes over a guard whose model was never written. */
  async function claimNameVersion(input: NewModel, id: string): Promise<void> {
    const Key = guardKey(input.name, input.version);
    try {
      await client.send(
        new PutItemCommand({
          TableName,
          Item: { ...Key, modelId: { S: id } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await client.send(
      new GetItemCommand({ TableName, Key, ConsistentRead: true }),
    );
    const holder = Item?.['modelId']?.S;
    const existing = holder ? await getModel(holder) : undefined;
    if (existing && existing.name === input.name && existing.version === input.version) {
      throw new MedfedError(
        'CONFLICT',
        `Model "${input.name}" version "${input.version}" is already registered (id ${existing.id})`,
      );
    }
    // Stale guard: take it over, but only if nobody else did in the meantime.
    try {
      await client.send(
        new PutItemCommand({
          TableName,
          Item: { ...Key, modelId: { S: id } },
          ConditionExpression: holder ? 'modelId = :holder' : 'attribute_not_exists(modelId)',
          ...(holder ? { ExpressionAttributeValues: { ':holder': { S: holder } } } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new MedfedError(
          'CONFLICT',
          `Model "${input.name}" version "${input.version}" is being registered concurrently`,
        );
      }
      throw error;
    }
  }

  return {
    async getByIds(ids) {
      const items = await batchGetAll(client, TableName, [...new Set(ids)].map(modelKey));
      const found = new Map(items.map(fromItem).map((m) => [m.id, m]));
      return ids.map((id) => found.get(id));
    },

    async find(filter: ModelFilter) {
      let candidates: ModelRecord[];
      if (filter.id != null) {
        const model = await getModel(filter.id);
        candidates = model ? [model] : [];
      } else if (filter.name != null) {
        candidates = await queryIndex('byName', 'name', filter.name);
      } else if (filter.platform != null) {
        candidates = await queryIndex('byPlatform', 'platform', filter.platform);
      } else {
        candidates = await scanModels();
      }
      return candidates.filter((m) => matches(m, filter)).sort(byId);
    },

    async register(input) {
      const id = input.id ?? (await nextId());
      const record = toRecord(input, id, new Date().toISOString());
      await claimNameVersion(input, id);
      try {
        await client.send(
          new PutItemCommand({
            TableName,
            Item: toItem(record),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        // Release the guard we took so the failed registration leaves nothing behind.
        await client.send(
          new DeleteItemCommand({
            TableName,
            Key: guardKey(input.name, input.version),
            ConditionExpression: 'modelId = :id',
            ExpressionAttributeValues: { ':id': { S: id } },
          }),
        );
        if (error instanceof ConditionalCheckFailedException) {
          throw new MedfedError('CONFLICT', `A model with id "${id}" already exists`);
        }
        throw error;
      }
      return record;
    },
  };

  async function queryIndex(IndexName: string, attr: string, value: string) {
    const out: ModelRecord[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName,
          IndexName,
          KeyConditionExpression: '#a = :v',
          ExpressionAttributeNames: { '#a': attr },
          ExpressionAttributeValues: { ':v': { S: value } },
          ExclusiveStartKey,
        }),
      );
      out.push(...(page.Items ?? []).map(fromItem));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  async function scanModels() {
    const out: ModelRecord[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName,
          FilterExpression: 'begins_with(pk, :p)',
          ExpressionAttributeValues: { ':p': { S: 'model#' } },
          ExclusiveStartKey,
        }),
      );
      out.push(...(page.Items ?? []).map(fromItem));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }
}

function toItem(record: ModelRecord): Record<string, AttributeValue> {
  return { pk: { S: `model#${record.id}` }, ...marshall(record, { removeUndefinedValues: true }) };
}

function fromItem(item: Record<string, AttributeValue>): ModelRecord {
  const record = unmarshall(item);
  delete record['pk'];
  return record as ModelRecord;
}
