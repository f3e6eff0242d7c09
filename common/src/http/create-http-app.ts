import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logging/create-logger.js';

/**
 * The Fastify instance every medfed HTTP service starts from: our pino logger, no per-request
 * access log lines (they would carry URLs with identifiers; services log what matters themselves),
 * and a body size limit.
 */
export function createHttpApp(options: { log: Logger; bodyLimitBytes: number }): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = options.log;
  return Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    // Unknown members are refused (400 naming them), not silently dropped: a misspelt option
    // should not quietly do nothing.
    ajv: { customOptions: { removeAdditional: false } },
  });
}

/** The http://host:port a listening Fastify app is reachable at. */
export function baseUrlOf(app: FastifyInstance): string {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
