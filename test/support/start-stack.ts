import { randomUUID } from 'node:crypto';
import { countCalls } from '#common/testing/count-calls.js';
import { testDeidentifier } from '#common/testing/test-deidentifier.js';
import { countDynamoCalls } from '#common/dynamo/count-dynamo-calls.js';
import { connectDynamo } from '#common/dynamo/create-dynamo-client.js';
import { createLogger, type Logger } from '#common/logging/create-logger.js';
import type { SubgraphServer } from '#common/graphql/create-subgraph-server.js';
import { build as buildAiModels } from '../../subgraphs/ai-models/src/app.js';
import { createDynamoModelStore } from '../../subgraphs/ai-models/src/dynamo-model-store.js';
import { build as buildMedicalImages } from '../../subgraphs/medical-images/src/app.js';
import { createFileUrlSigner } from '../../subgraphs/medical-images/src/file-url-signer.js';
import { createFolderImageSource } from '../../subgraphs/medical-images/src/folder-image-source.js';
import { build as buildMetrics } from '../../subgraphs/metrics/src/app.js';
import { createDynamoMetricStore } from '../../subgraphs/metrics/src/dynamo-metric-store.js';
import { build as buildGateway, type GatewayServer } from '../../gateway/src/app.js';
import type { QueryLimits } from '../../gateway/src/query-limits.js';

const HOST = '127.0.0.1';
export const DEFAULT_LIMITS: QueryLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxTokens: 5000,
  maxBodyBytes: 100 * 1024,
};

export interface GraphQLResponse {
  readonly status: number;
  readonly body: {
    data?: Record<string, unknown> | null;
    errors?: {
      message: string;
      path?: (string | number)[];
      extensions?: Record<string, unknown>;
    }[];
  };
}

/**
 * The whole federated graph in this process, on loopback with free ports: dynalite, the three
 * subgraphs over their real adapters (with call counters around them) and a gateway composing them.
 */
export async function startStack(options: { imageDir: string; log?: Logger }) {
  const log = options.log ?? createLogger({ name: 'test', level: 'silent' });
  const dynamo = await connectDynamo({ endpoint: 'embedded', region: 'local' });
  const dynamoCalls = countDynamoCalls(dynamo.client);
  const prefix = `t-${randomUUID().slice(0, 8)}-`;

  const models = countCalls(
    await createDynamoModelStore({ client: dynamo.client, tableName: `${prefix}ai-models` }),
  );
  const metrics = countCalls(
    await createDynamoMetricStore({ client: dynamo.client, tableName: `${prefix}metrics` }),
  );
  const folder = await createFolderImageSource({
    root: options.imageDir,
    log,
    pseudonyms: testDeidentifier,
  });
  const images = countCalls(folder);

  const subgraphs = new Map<string, { server: SubgraphServer; url: string }>();
  async function startSubgraph(name: string, server: SubgraphServer, port = 0) {
    const url = await server.listen({ host: HOST, port });
    subgraphs.set(name, { server, url });
    return url;
  }
  let imagesUrl = '';
  await startSubgraph('ai-models', await buildAiModels({ store: models.proxy, log }));
  imagesUrl = await startSubgraph(
    'medical-images',
    await buildMedicalImages({
      source: images.proxy,
      log,
      publicUrl: () => imagesUrl,
      deidentifier: testDeidentifier,
      fileUrls: createFileUrlSigner({ secret: 'test-file-url-secret', ttlSeconds: 3600 }),
    }),
  );
  await startSubgraph('metrics', await buildMetrics({ store: metrics.proxy, log }));

  const gateways: GatewayServer[] = [];
  async function startGateway(limits: Partial<QueryLimits> = {}, introspection = false) {
    const gateway = buildGateway(
      {
        supergraph: {
          kind: 'subgraphs',
          subgraphs: [...subgraphs].map(([name, s]) => ({ name, url: `${s.url}/graphql` })),
          pollIntervalMs: 0,
        },
        limits: { ...DEFAULT_LIMITS, ...limits },
        introspection,
        subgraphTimeoutMs: 5_000,
        startupTimeoutMs: 10_000,
      },
      { log },
    );
    gateways.push(gateway);
    const url = await gateway.listen({ host: HOST, port: 0 });
    await gateway.ready;
    return { gateway, url, query: (q: string, v?: Record<string, unknown>) => post(url, q, v) };
  }
  const main = await startGateway();

  return {
    log,
    gatewayUrl: main.url,
    query: main.query,
    startGateway,
    folderReport: folder.report,
    calls: { models, metrics, images, dynamo: dynamoCalls },
    subgraphUrl: (name: string) => `${subgraphs.get(name)!.url}/graphql`,
    async stopSubgraph(name: string) {
      await subgraphs.get(name)!.server.close();
    },
    resetCounts() {
      models.reset();
      metrics.reset();
      images.reset();
      dynamoCalls.reset();
    },
    async close() {
      for (const g of gateways) await g.close();
      for (const { server } of subgraphs.values()) await server.close().catch(() => undefined);
      await dynamo.close();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

export async function post(
  baseUrl: string,
  query: string,
  variables?: Record<string, unknown>,
  path = '/graphql',
): Promise<GraphQLResponse> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] };
}
