import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ensureTable } from '#common/dynamo/ensure-table.js';
import type { GraphVersion, SubgraphRecord, VersionSummary } from './graph-version.js';
import { VersionTakenError, type RegistryStore } from './registry-store.js';

/**
 * Layout (one table, partition key `pk`, sort key `sk`):
 *   pk=graph#<g>  sk=v#<0000000042>  a version: metadata, subgraph list, blob hashes
 *   pk=blob#<sha256>  sk=chunk#<0000>  gzip of a text (SDL or supergraph), split into chunks
 * Texts are content-addressed, so an unchanged subgraph's SDL is stored once across versions,
 * and chunked, so no schema size is capped by DynamoDB's 400 KB item limit. Blobs are written
 * first (idempotently); the version item is then one conditional put (attribute_not_exists),
 * which is what makes a publish atomic and concurrent publishes safe.
 */
const CHUNK_BYTES = 300 * 1024;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

interface StoredSubgraph extends Omit<SubgraphRecord, 'sdl'> {
  readonly sdlBlob: string;
}

export async function createDynamoRegistryStore(options: {
  client: DynamoDBClient;
  tableName: string;
}): Promise<RegistryStore> {
  const { client, tableName: TableName } = options;
  await ensureTable(client, {
    TableName,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  });
  const blobCache = new Map<string, string>();

  async function putBlob(text: string): Promise<string> {
    const hash = createHash('sha256').update(text).digest('hex');
    if (blobCache.has(hash)) return hash;
    const zipped = gzipSync(text);
    const chunks: Record<string, AttributeValue>[] = [];
    for (let i = 0, n = 0; i < zipped.length || n === 0; i += CHUNK_BYTES, n++) {
      chunks.push({
        pk: { S: `blob#${hash}` },
        sk: { S: `chunk#${pad(n, 4)}` },
        data: { B: zipped.subarray(i, i + CHUNK_BYTES) },
      });
    }
    // One chunk per request keeps each BatchWrite well under its 16 MB limit.
    for (const Item of chunks) {
      let pending: Record<string, { PutRequest: { Item: Record<string, AttributeValue> } }[]> = {
        [TableName]: [{ PutRequest: { Item } }],
      };
      for (let attempt = 0; Object.keys(pending).length; attempt++) {
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: pending }));
        pending = (out.UnprocessedItems ?? {}) as typeof pending;
        if (Object.keys(pending).length) await sleep(25 * 2 ** attempt);
      }
    }
    remember(hash, text);
    return hash;
  }

  async function getBlob(hash: string): Promise<string> {
    const cached = blobCache.get(hash);
    if (cached !== undefined) return cached;
    const parts: Uint8Array[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page: QueryCommandOutput = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: `blob#${hash}` } },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) parts.push(item['data']!.B!);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    if (parts.length === 0) throw new Error(`registry blob ${hash} is missing`);
    const text = gunzipSync(Buffer.concat(parts)).toString('utf8');
    if (createHash('sha256').update(text).digest('hex') !== hash) {
      throw new Error(`registry blob ${hash} is corrupt`);
    }
    remember(hash, text);
    return text;
  }

  function remember(hash: string, text: string) {
    if (blobCache.size > 512) blobCache.clear();
    blobCache.set(hash, text);
  }

  async function hydrate(item: Record<string, AttributeValue>): Promise<GraphVersion> {
    const raw = unmarshall(item) as Omit<GraphVersion, 'subgraphs' | 'supergraphSdl'> & {
      subgraphs: StoredSubgraph[];
      supergraphBlob: string | null;
    };
    const subgraphs = await Promise.all(
      raw.subgraphs.map(async ({ sdlBlob, ...s }) => ({ ...s, sdl: await getBlob(sdlBlob) })),
    );
    return {
      graph: raw.graph,
      version: raw.version,
      subgraphs,
      supergraphSdl: raw.supergraphBlob ? await getBlob(raw.supergraphBlob) : null,
      supergraphId: raw.supergraphId,
      createdAt: raw.createdAt,
      createdBy: raw.createdBy,
      reason: raw.reason,
    };
  }

  async function queryVersions(graph: string, limit: number) {
    const out = await client.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
        ExpressionAttributeValues: { ':pk': { S: `graph#${graph}` }, ':v': { S: 'v#' } },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return out.Items ?? [];
  }

  return {
    async listGraphs() {
      const names = new Set<string>();
      let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName,
            FilterExpression: 'begins_with(pk, :g) AND sk = :zero',
            ExpressionAttributeValues: { ':g': { S: 'graph#' }, ':zero': { S: `v#${pad(0, 10)}` } },
            ProjectionExpression: 'graph',
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) names.add(item['graph']!.S!);
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return [...names].sort();
    },

    async latest(graph) {
      const [item] = await queryVersions(graph, 1);
      return item ? hydrate(item) : undefined;
    },

    async get(graph, version) {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName,
          Key: { pk: { S: `graph#${graph}` }, sk: { S: `v#${pad(version, 10)}` } },
          ConsistentRead: true,
        }),
      );
      return Item ? hydrate(Item) : undefined;
    },

    async history(graph, limit) {
      const items = await queryVersions(graph, limit);
      return items.map((item) => {
        const raw = unmarshall(item) as VersionSummary & { subgraphs: StoredSubgraph[] };
        return {
          graph: raw.graph,
          version: raw.version,
          supergraphId: raw.supergraphId,
          createdAt: raw.createdAt,
          createdBy: raw.createdBy,
          reason: raw.reason,
          subgraphs: raw.subgraphs.map((s) => ({ name: s.name, revision: s.revision })),
        };
      });
    },

    async append(next) {
      const subgraphs: StoredSubgraph[] = await Promise.all(
        next.subgraphs.map(async ({ sdl, ...s }) => ({ ...s, sdlBlob: await putBlob(sdl) })),
      );
      const supergraphBlob = next.supergraphSdl ? await putBlob(next.supergraphSdl) : null;
      const item = marshall(
        {
          pk: `graph#${next.graph}`,
          sk: `v#${pad(next.version, 10)}`,
          graph: next.graph,
          version: next.version,
          subgraphs,
          supergraphBlob,
          supergraphId: next.supergraphId,
          createdAt: next.createdAt,
          createdBy: next.createdBy,
          reason: next.reason,
        },
        { removeUndefinedValues: true },
      );
      try {
        await client.send(
          new PutItemCommand({
            TableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(sk)',
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          throw new VersionTakenError(next.graph, next.version);
        }
        throw error;
      }
    },
  };
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
