import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Logger } from '#common/logging/create-logger.js';
import { shapeResponse, type ShapeArgs, type ShapeResult } from './shape-response.js';

/** The @apollo/gateway release whose `computeResponse` shapeResponse reproduces (and is tested on). */
export const SHAPING_VERIFIED_FOR = '2.14.4';

interface ResultShapingModule {
  computeResponse: (args: ShapeArgs) => ShapeResult;
}

const require = createRequire(import.meta.url);
let original: ResultShapingModule['computeResponse'] | undefined;

/** @apollo/gateway's own result-shaping module: the one its query-plan executor calls. */
export function apolloResultShaping(): {
  module: ResultShapingModule;
  version: string;
  original: ResultShapingModule['computeResponse'];
} {
  const main = require.resolve('@apollo/gateway');
  const module = require(join(dirname(main), 'resultShaping.js')) as ResultShapingModule;
  const { version } = require(join(dirname(main), '..', 'package.json')) as { version: string };
  original ??= module.computeResponse;
  return { module, version, original };
}

/**
 * Makes @apollo/gateway shape every answer with `shapeResponse` (see there) instead of its own
 * `computeResponse`. The executor looks that function up on its module at each call, so replacing
 * it there is all it takes. Only done for the @apollo/gateway release it was verified against; on
 * any other the gateway keeps Apollo's and says so. Process-wide (the module is shared by every
 * gateway in the process); idempotent; `enabled: false` restores Apollo's.
 */
export function installResultShaping(options: { enabled: boolean; log: Logger }): boolean {
  const { module, version, original: apollo } = apolloResultShaping();
  if (!options.enabled) {
    module.computeResponse = apollo;
    return false;
  }
  if (version !== SHAPING_VERIFIED_FOR) {
    options.log.warn(
      { apolloGateway: version, verifiedFor: SHAPING_VERIFIED_FOR },
      'lean result shaping not verified for this @apollo/gateway release; using Apollo’s',
    );
    module.computeResponse = apollo;
    return false;
  }
  module.computeResponse = (args) => shapeResponse(args, apollo);
  return true;
}
