import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynalite, type DynaliteServer } from './start-dynalite.js';

export interface DynamoConnection {
  readonly client: DynamoDBClient;
  /** The endpoint in use; undefined for the SDK's default AWS endpoint. */
  readonly endpoint: string | undefined;
  close(): Promise<void>;
}

/**
 * Connects to DynamoDB as configured: `embedded` starts an in-process dynalite, `aws` uses the
 * SDK's default endpoint and credential chain, a URL targets DynamoDB Local or another dynalite.
 */
export async function connectDynamo(options: {
  /** `embedded`, `aws`, or an endpoint URL. */
  endpoint: string;
  region: string;
  dynalitePath?: string | undefined;
}): Promise<DynamoConnection> {
  let embedded: DynaliteServer | undefined;
  let endpoint: string | undefined;
  if (options.endpoint === 'embedded') {
    embedded = await startDynalite(options.dynalitePath ? { path: options.dynalitePath } : {});
    endpoint = embedded.endpoint;
  } else if (options.endpoint !== 'aws') {
    endpoint = options.endpoint;
  }
  const local = endpoint !== undefined && isLoopback(endpoint);
  const client = new DynamoDBClient({
    region: options.region,
    ...(endpoint ? { endpoint } : {}),
    // Local emulators accept any credentials; never reach for a real credential chain for them.
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: 5,
  });
  return {
    client,
    endpoint,
    async close() {
      client.destroy();
      await embedded?.close();
    },
  };
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}
