import { createHash } from 'node:crypto';
import dicomParser from 'dicom-parser';
import type { Logger } from '#common/logging/create-logger.js';
import type { ContentCache } from '../fetch/content-cache.js';
import type { JobStore } from '../jobs/job-store.js';
import { isTerminal, type ImageState, type Unit } from '../jobs/job-types.js';
import type { PipelineQueues } from '../queue/pipeline-queues.js';
import type { ObjectStore } from '../storage/object-store.js';
import { resultsPrefixOf } from './stage-executor.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Where a finished unit's results are recorded by content key (the result cache). */
export const cacheEntryKey = (contentKey: string) => `cache/${contentKey}.json`;

export class JobLevelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'JobLevelError';
  }
}

/**
 * The first task of every job (CPU queue): download the model (verified against its sha256) and
 * the images (each source once, into the content-addressed cache), read each image's header, drop
 * images that cannot be fetched or read (recorded per image), group the rest into units (a series
 * per unit for dicom-series inputs, an image per unit otherwise), take units whose content was
 * computed before from the result cache (use_cache), and queue the first stage of the others.
 * Metadata first: nothing reaches a GPU queue before its input was read and checked.
 */
export async function prepareJob(
  jobId: string,
  deps: {
    jobs: JobStore;
    cache: ContentCache;
    store: ObjectStore;
    queues: PipelineQueues;
    log: Logger;
    onUnitsFinished: (jobId: string, finishedJob: boolean) => Promise<void>;
  },
): Promise<void> {
  const { jobs, cache, store, queues, log } = deps;
  const spec = await jobs.spec(jobId);
  const status = await jobs.status(jobId);
  if (!spec || !status || isTerminal(status)) return;
  const definition = spec.pipeline.definition;
  const input = definition.inputs[spec.inputTag]!;

  try {
    await cache.get(spec.model.url, spec.model.sha256);
  } catch (error) {
    const message = (error as Error).message;
    const retryable = !/checksum mismatch|allow-list|answered HTTP 4|resolves to|not fetched/.test(
      message,
    );
    throw new JobLevelError(
      `model ${spec.model.name} ${spec.model.version}: ${message}`,
      retryable,
    );
  }

  const fetched = await mapLimit(
    spec.images,
    8,
    async (image): Promise<ImageState & { series?: string }> => {
      try {
        const { bytes, sha256 } = await fetchWithRetry(() => cache.get(image.url));
        let header: dicomParser.DataSet;
        try {
          header = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
        } catch (error) {
          return {
            id: image.id,
            state: 'FAILED',
            error: `not a readable DICOM file: ${String((error as Error).message ?? error)}`,
          };
        }
        const modality = header.string('x00080060')?.trim();
        if (input.modality && modality !== input.modality) {
          return {
            id: image.id,
            state: 'FAILED',
            error: `modality ${modality ?? '(none)'}; pipeline input "${spec.inputTag}" takes ${input.modality}`,
          };
        }
        return {
          id: image.id,
          state: 'FETCHED',
          sha256,
          series: header.string('x0020000e') ?? image.id,
        };
      } catch (error) {
        return { id: image.id, state: 'FAILED', error: (error as Error).message };
      }
    },
  );

  const groups = new Map<string, { id: string; sha256: string }[]>();
  for (const image of fetched) {
    if (image.state !== 'FETCHED') continue;
    const key = input.kind === 'dicom-series' ? `series:${image.series}` : `image:${image.id}`;
    groups.set(key, [...(groups.get(key) ?? []), { id: image.id, sha256: image.sha256! }]);
  }
  const units: Unit[] = [...groups.values()].map((images) => {
    const id = `u${sha(
      images
        .map((i) => i.id)
        .sort()
        .join('|'),
    ).slice(0, 16)}`;
    const contentKey = sha(
      [
        `${definition.name}@${definition.version}`,
        spec.inputTag,
        spec.model.sha256,
        ...images.map((i) => i.sha256).sort(),
      ].join('\n'),
    );
    return { id, images, contentKey, state: 'PENDING', resultsPrefix: resultsPrefixOf(jobId, id) };
  });
  const unitOf = new Map(units.flatMap((u) => u.images.map((i) => [i.id, u.id] as const)));
  await jobs.setImages(
    jobId,
    fetched.map(({ series: _series, ...image }) => ({
      ...image,
      ...(unitOf.has(image.id) ? { unit: unitOf.get(image.id) } : {}),
    })),
  );
  if (units.length === 0) {
    await jobs.end(jobId, 'FAILED', 'no image could be fetched and read; see the per-image errors');
    return;
  }

  const set = await jobs.setUnits(jobId, units);
  if (set < 0) return;
  const current =
    set === 1
      ? units
      : await Promise.all(units.map(async (u) => (await jobs.unit(jobId, u.id)) ?? u));
  for (const unit of current) {
    if (unit.state === 'SUCCEEDED' || unit.state === 'FAILED') continue;
    const hit = spec.useCache ? await cachedResults(store, unit.contentKey) : undefined;
    if (hit) {
      const finished = await jobs.finishUnit(jobId, {
        ...unit,
        state: 'SUCCEEDED',
        cached: true,
        resultsPrefix: hit,
      });
      await deps.onUnitsFinished(jobId, finished === 2);
      continue;
    }
    await queues.enqueue(definition.stages[0]!.gpu ? 'gpu' : 'cpu', {
      kind: 'stage',
      jobId,
      unitId: unit.id,
      stageIndex: 0,
    });
  }
  log.info(
    {
      job: jobId,
      units: units.length,
      failedImages: fetched.filter((f) => f.state === 'FAILED').length,
    },
    'job prepared',
  );
}

/** The results prefix of an earlier run with the same content key, when it is complete. */
export async function cachedResults(
  store: ObjectStore,
  contentKey: string,
): Promise<string | undefined> {
  const entry = await store.get(cacheEntryKey(contentKey));
  if (!entry) return undefined;
  const { resultsPrefix } = JSON.parse(new TextDecoder().decode(entry)) as {
    resultsPrefix: string;
  };
  return (await store.exists(`${resultsPrefix}/summary.json`)) ? resultsPrefix : undefined;
}

async function fetchWithRetry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const message = (error as Error).message;
      const transient = /unreachable|answered HTTP 5/.test(message);
      if (!transient || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}
