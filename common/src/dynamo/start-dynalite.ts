import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface DynaliteServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite (the DynamoDB API over LevelDB, in memory unless `path` is given) on loopback.
 * It is the embedded default and the test backend; production points at real DynamoDB instead.
 */
export async function startDynalite(
  options: { path?: string; port?: number; host?: string } = {},
): Promise<DynaliteServer> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  const host = options.host ?? '127.0.0.1';
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
