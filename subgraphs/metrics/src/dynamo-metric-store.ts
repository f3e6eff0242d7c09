import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ensureTable } from '#common/dynamo/ensure-table.js';
import { byNameThenSource, subjectKey, type MetricRecord } from './metric.js';
import { metricKey, type MetricStore } from './metric-store.js';

const BATCH_GET_LIMIT = 100;

/**
 * One item per subject (`subject` = MODEL#<id> or MEDICAL_IMAGE#<id>) holding a map from
 * `<source>|<name>` to the latest metric. Reading 500 images' metrics is 5 BatchGetItem calls
 * rather than 500 queries, and each write is a single conditional UpdateItem, so concurrent writers
 * of different metrics never overwrite each other. The map is bounded by the number of distinct
 * metric names per subject, far below DynamoDB's 400 KB item limit.
 */
export async function createDynamoMetricStore(options: {
  client: DynamoDBClient;
  tableName: string;
}): Promise<MetricStore> {
  const { client, tableName: TableName } = options;
  await ensureTable(client, {
    TableName,
    AttributeDefinitions: [{ AttributeName: 'subject', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'subject', KeyType: 'HASH' }],
  });

  const readMetrics = (item: Record<string, AttributeValue> | undefined): MetricRecord[] => {
    const metrics = item?.['metrics']?.M;
    return metrics ? Object.values(unmarshall(metrics) as Record<string, MetricRecord>) : [];
  };

  return {
    async getForSubjects(subjects) {
      const keys = [...new Set(subjects.map(subjectKey))];
      const found = new Map<string, MetricRecord[]>();
      for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
        let pending: Record<string, AttributeValue>[] | undefined = keys
          .slice(i, i + BATCH_GET_LIMIT)
          .map((k) => ({ subject: { S: k } }));
        for (let attempt = 0; pending?.length; attempt++) {
          const out: BatchGetItemCommandOutput = await client.send(
            new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: pending } } }),
          );
          for (const item of out.Responses?.[TableName] ?? []) {
            found.set(item['subject']!.S!, readMetrics(item).sort(byNameThenSource));
          }
          pending = out.UnprocessedKeys?.[TableName]?.Keys;
          if (pending?.length) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
        }
      }
      return subjects.map((s) => found.get(subjectKey(s)) ?? []);
    },

    async record(subject, metric) {
      const Key = { subject: { S: subjectKey(subject) } };
      const names = { '#m': 'metrics', '#k': metricKey(metric) };
      // Make sure the map exists (a no-op when it does), then set the one entry, unless a later
      // computation is already stored.
      await client.send(
        new UpdateItemCommand({
          TableName,
          Key,
          UpdateExpression: 'SET #m = if_not_exists(#m, :empty)',
          ExpressionAttributeNames: { '#m': 'metrics' },
          ExpressionAttributeValues: { ':empty': { M: {} } },
        }),
      );
      try {
        await client.send(
          new UpdateItemCommand({
            TableName,
            Key,
            UpdateExpression: 'SET #m.#k = :metric',
            ConditionExpression: 'attribute_not_exists(#m.#k) OR #m.#k.#t <= :t',
            ExpressionAttributeNames: { ...names, '#t': 'computedAt' },
            ExpressionAttributeValues: {
              ':metric': { M: marshall(metric) },
              ':t': { S: metric.computedAt },
            },
          }),
        );
        return metric;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const { Item } = await client.send(
          new GetItemCommand({ TableName, Key, ConsistentRead: true }),
        );
        return readMetrics(Item).find((m) => metricKey(m) === metricKey(metric)) ?? metric;
      }
    },
  };
}
