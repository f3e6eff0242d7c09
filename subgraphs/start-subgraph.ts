import { print, type DocumentNode } from 'graphql';
import type { JWK } from 'jose';
import { createIdentityVerifier, type Identity } from '#common/auth/identity-token.js';
import type { Registration } from '#common/config/env-schemas.js';
import type { SubgraphServer } from '#common/graphql/create-subgraph-server.js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readDynamoSubgraphConfig } from '#common/config/dynamo-subgraph-config.js';
import { connectDynamo } from '#common/dynamo/create-dynamo-client.js';
import { createLogger, type Logger } from '#common/logging/create-logger.js';
import { onShutdown } from '#common/process/on-shutdown.js';
import { registerSubgraph } from '../schema-registry/src/client/register-subgraph.js';

/**
 * What every subgraph's main does once built: listen, say where, register with the schema
 * registry when configured (in the background: the registry may come up later), and close
 * cleanly on SIGINT/SIGTERM. Returns the base URL it listens on.
 */
export async function startSubgraph(options: {
  name: string;
  server: SubgraphServer;
  typeDefs: DocumentNode;
  log: Logger;
  config: {
    host: string;
    port: number;
    publicUrl?: string | undefined;
    routingUrl?: string | undefined;
    registration: Registration;
  };
  onClose?: () => Promise<void>;
}): Promise<string> {
  const { config, log } = options;
  const url = await options.server.listen({ host: config.host, port: config.port });
  log.info({ url: `${url}/graphql` }, 'subgraph ready');
  const stop = new AbortController();
  if (config.registration.enabled) {
    void registerSubgraph({
      registryUrl: config.registration.url,
      token: config.registration.token,
      graph: config.registration.graph,
      name: options.name,
      url: `${config.routingUrl ?? config.publicUrl ?? url}/graphql`,
      sdl: print(options.typeDefs),
      log,
      signal: stop.signal,
    });
  }
  onShutdown(log, async () => {
    stop.abort();
    await options.server.close();
    await options.onClose?.();
  });
  return url;
}

/** The gateway-identity check for a subgraph's config; undefined (with a warning) in development. */
export async function identityVerifierFor(
  config: { gatewayPublicKey?: JWK | undefined },
  log: Logger,
): Promise<((token: string) => Promise<Identity>) | undefined> {
  if (config.gatewayPublicKey) return createIdentityVerifier(config.gatewayPublicKey);
  log.warn('ALLOW_UNSIGNED_REQUESTS: answering anyone, with every scope (development only)');
  return undefined;
}

/**
 * The whole main of a subgraph whose data lives in DynamoDB (ai-models, metrics): config from the
 * environment, logger, DynamoDB connection, store, server, start-up and shutdown.
 */
export async function runDynamoSubgraph<Store>(options: {
  name: string;
  defaultPort: number;
  typeDefs: DocumentNode;
  createStore: (deps: { client: DynamoDBClient; tableName: string }) => Promise<Store>;
  build: (deps: {
    store: Store;
    log: Logger;
    verifyIdentity: ((token: string) => Promise<Identity>) | undefined;
  }) => Promise<SubgraphServer>;
}): Promise<void> {
  const config = readDynamoSubgraphConfig(options.name, { port: options.defaultPort }, process.env);
  const log = createLogger({ name: options.name, level: config.logLevel });
  const dynamo = await connectDynamo(config.dynamo);
  const store = await options.createStore({ client: dynamo.client, tableName: config.tableName });
  const server = await options.build({
    store,
    log,
    verifyIdentity: await identityVerifierFor(config, log),
  });
  await startSubgraph({
    name: options.name,
    server,
    typeDefs: options.typeDefs,
    log,
    config,
    onClose: () => dynamo.close(),
  });
}
