import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Logger } from '#common/logging/create-logger.js';

export type Provider = 'cuda' | 'cpu';

export class ModelChecksumError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`model checksum mismatch: expected sha256 ${expected}, got ${actual}`);
    this.name = 'ModelChecksumError';
  }
}

export interface Tensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/**
 * Runs ONNX models with onnxruntime-node: the CUDA execution provider when it loads (a GPU
 * worker), the bundled CPU provider otherwise. One session per model version (by sha256) is kept
 * warm; a model whose bytes do not match the expected sha256 is refused before it is loaded.
 */
export function createInferenceEngine(options: {
  log: Logger;
  preferGpu?: boolean;
  intraOpThreads?: number;
}) {
  const sessions = new Map<
    string,
    Promise<{ session: ort.InferenceSession; provider: Provider }>
  >();

  async function open(
    bytes: Uint8Array,
  ): Promise<{ session: ort.InferenceSession; provider: Provider }> {
    const base: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
    };
    if ((options.preferGpu ?? true) && cudaProviderInstalled()) {
      try {
        const session = await ort.InferenceSession.create(bytes, {
          ...base,
          executionProviders: ['cuda'],
        });
        return { session, provider: 'cuda' };
      } catch (error) {
        options.log.info(
          { reason: (error as Error).message.split('\n')[0] },
          'CUDA execution provider unavailable; using CPU',
        );
      }
    }
    const session = await ort.InferenceSession.create(bytes, {
      ...base,
      executionProviders: ['cpu'],
    });
    return { session, provider: 'cpu' };
  }

  return {
    /** Loads (once) and returns the warm session for these model bytes. */
    async session(bytes: Uint8Array, expectedSha256: string) {
      let pending = sessions.get(expectedSha256);
      if (!pending) {
        const actual = createHash('sha256').update(bytes).digest('hex');
        if (actual !== expectedSha256) throw new ModelChecksumError(expectedSha256, actual);
        pending = open(bytes);
        pending.catch(() => sessions.delete(expectedSha256));
        sessions.set(expectedSha256, pending);
      }
      return pending;
    },

    /** Runs a single-input, single-output model on a batch. */
    async run(
      bytes: Uint8Array,
      sha256: string,
      input: Tensor,
    ): Promise<Tensor & { provider: Provider }> {
      const { session, provider } = await this.session(bytes, sha256);
      const feeds = {
        [session.inputNames[0]!]: new ort.Tensor('float32', input.data, [...input.dims]),
      };
      const results = await session.run(feeds);
      const output = results[session.outputNames[0]!]!;
      return { data: output.data as Float32Array, dims: output.dims, provider };
    },

    async close() {
      for (const pending of sessions.values()) await (await pending).session.release();
      sessions.clear();
    },
  };
}

export type InferenceEngine = ReturnType<typeof createInferenceEngine>;

/**
 * Whether onnxruntime-node's CUDA provider library is installed next to its binding (the npm
 * install step that fetches it is skipped here; GPU images install it). Trying CUDA without it
 * only makes onnxruntime print native errors.
 */
function cudaProviderInstalled(): boolean {
  const main = createRequire(import.meta.url).resolve('onnxruntime-node');
  const bin = join(dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
  return existsSync(join(bin, 'libonnxruntime_providers_cuda.so'));
}
