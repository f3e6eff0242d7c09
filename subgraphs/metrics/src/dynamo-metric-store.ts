import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { batchGetAll } from '#common/dynamo/batch-get-all.js';
import { ensureTable } from '#common/dynamo/ensure-table.js';
import { byNameThenSource, subjectKey, type MetricRecord } from './metric.js';
import { metricKey, type MetricStore } from './metric-store.js';

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
      const keys = [...new Set(subjects.map(subjectKey))].map((k) => ({ subject: { S: k } }));
      const items = await batchGetAll(client, TableName, keys);
      const found = new Map(
        items.map((item) => [item['subject']!.S!, readMetrics(item).sort(byNameThenSource)]),
      );
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
