import { createHash, randomUUID } from 'node:crypto';
import { Kind, OperationTypeNode, parse, type DocumentNode } from 'graphql';
import { MedfedError } from '#common/errors/medfed-error.js';
import type { Logger } from '#common/logging/create-logger.js';
import { allowListRefusal } from '../fetch/safe-fetch.js';
import type { JobStore } from '../jobs/job-store.js';
import type { ImageRef, JobSpec, ModelRef, Unit } from '../jobs/job-types.js';
import type { PipelineDefinition } from '../pipeline/pipeline-definition.js';
import type { PipelineQueues } from '../queue/pipeline-queues.js';
import type { ObjectStore } from '../storage/object-store.js';
import { extractInputs } from './extract-inputs.js';
import type { GatewayClient } from './gateway-client.js';

export interface SubmitRequest {
  readonly pipeline_tag: string;
  readonly input_tag: string;
  readonly use_cache?: boolean;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
}

const MODEL_QUERY = /* GraphQL */ `
  query ComputeModel($id: ID) {
    models(id: $id) {
      id
      name
      version
      url
      sha256
      outputLabels
    }
  }
`;

/**
 * Accepting a job: the pipeline and its input must exist; the query must parse and be a query
 * (not a mutation); it runs through the gateway with the caller's credentials; its result must
 * name exactly one model and at least one image the pipeline input takes; the model must have a
 * sha256 to verify its download; every URL must be on the fetch allow-list. Each refusal is a
 * 4xx naming the problem, and nothing is recorded before all checks pass. With use_cache, a
 * finished job with the same fingerprint answers at once.
 */
export function createJobSubmitter(deps: {
  pipelines: ReadonlyMap<string, PipelineDefinition>;
  gateway: GatewayClient;
  jobs: JobStore;
  queues: PipelineQueues;
  store: ObjectStore;
  allowedHosts: readonly string[];
  log: Logger;
}) {
  const { pipelines, gateway, jobs, queues, log } = deps;

  function checkUrl(url: string, what: string): void {
    const refusal = URL.canParse(url)
      ? allowListRefusal(new URL(url), deps.allowedHosts)
      : 'not an absolute URL';
    if (refusal) {
      throw new MedfedError('URL_NOT_ALLOWED', `${what}: ${refusal}`, { field: 'query' });
    }
  }

  return async function submit(
    request: SubmitRequest,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): Promise<{ spec: JobSpec; cached: boolean }> {
    const pipeline = pipelines.get(request.pipeline_tag);
    if (!pipeline) {
      throw new MedfedError(
        'UNKNOWN_PIPELINE',
        `pipeline_tag: no pipeline "${request.pipeline_tag}"; available: ${[...pipelines.keys()].join(', ')}`,
        { field: 'pipeline_tag' },
      );
    }
    const input = pipeline.inputs[request.input_tag];
    if (!input) {
      throw new MedfedError(
        'UNKNOWN_INPUT_TAG',
        `input_tag: pipeline "${pipeline.name}" has no input "${request.input_tag}"; its inputs: ${Object.keys(pipeline.inputs).join(', ')}`,
        { field: 'input_tag' },
      );
    }
    checkQueryDocument(request.query);

    const result = await gateway.query(request.query, request.variables, headers);
    const found = extractInputs(result.data);
    if (found.modelIds.length === 0) {
      throw new MedfedError(
        'NO_MODEL',
        'the query result names no model; query models(...) { id ... } with the images under it',
      );
    }
    if (found.modelIds.length > 1) {
      throw new MedfedError(
        'AMBIGUOUS_MODEL',
        `the query result names ${found.modelIds.length} models (${found.modelIds.slice(0, 5).join(', ')}); narrow it to one`,
      );
    }
    const wanted = input.imageTypes;
    const images: ImageRef[] = found.images.filter(
      (image) => !wanted || image.type == null || wanted.includes(image.type),
    );
    if (images.length === 0) {
      const types = [...new Set(found.images.map((i) => i.type ?? 'unknown'))];
      throw new MedfedError(
        'NO_IMAGES',
        found.images.length === 0
          ? 'the query result has no images; select medicalImages { id url } under the model'
          : `none of the ${found.images.length} images is of a type input "${request.input_tag}" takes (${wanted!.join(', ')}); got ${types.join(', ')}`,
      );
    }

    const model = await lookupModel(found.modelIds[0]!, headers);
    checkUrl(model.url, `model ${model.name} url`);
    for (const image of images) checkUrl(image.url, `image ${image.id} url`);

    const fingerprint = createHash('sha256')
      .update(
        [
          `${pipeline.name}@${pipeline.version}`,
          request.input_tag,
          model.sha256,
          ...images.map((i) => i.id).sort(),
        ].join('\n'),
      )
      .digest('hex');
    const base = {
      id: randomUUID(),
      pipeline: { name: pipeline.name, version: pipeline.version, definition: pipeline },
      inputTag: request.input_tag,
      useCache: request.use_cache ?? false,
      model,
      images,
      fingerprint,
      createdAt: new Date().toISOString(),
    } satisfies JobSpec;

    if (base.useCache) {
      const hit = await fromCache(base);
      if (hit) return { spec: hit, cached: true };
    }
    await jobs.create(base);
    await queues.enqueue('cpu', { kind: 'prepare', jobId: base.id });
    log.info(
      { job: base.id, pipeline: pipeline.name, images: images.length, model: model.name },
      'job accepted',
    );
    return { spec: base, cached: false };
  };

  async function lookupModel(
    id: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): Promise<ModelRef> {
    const { data } = await gateway.query(MODEL_QUERY, { id }, headers);
    const record = (data['models'] as Record<string, unknown>[] | null)?.[0];
    if (!record) throw new MedfedError('NO_MODEL', `model ${id} was not found`);
    const sha256 = record['sha256'];
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new MedfedError(
        'MODEL_UNVERIFIABLE',
        `model ${String(record['name'])} ${String(record['version'])} has no sha256 registered, so its download cannot be verified; register it with sha256`,
      );
    }
    return {
      id,
      name: String(record['name']),
      version: String(record['version']),
      url: String(record['url']),
      sha256,
      labels: (record['outputLabels'] as string[] | null) ?? [],
    };
  }

  /** A finished job with the same fingerprint whose every unit's results still exist. */
  async function fromCache(base: JobSpec): Promise<JobSpec | undefined> {
    const previousId = await jobs.byFingerprint(base.fingerprint);
    const previous = previousId ? await jobs.get(previousId) : undefined;
    if (!previous || previous.status !== 'SUCCEEDED') return undefined;
    for (const unit of previous.units) {
      if (!(await deps.store.exists(`${unit.resultsPrefix}/summary.json`))) return undefined;
    }
    const spec: JobSpec = { ...base, cachedFrom: previous.spec.id };
    const units: Unit[] = previous.units.map((u) => ({ ...u, state: 'SUCCEEDED', cached: true }));
    await jobs.create(spec, { status: 'SUCCEEDED', units });
    await jobs.setImages(
      spec.id,
      previous.images.map((i) => ({ ...i })),
    );
    log.info({ job: spec.id, from: previous.spec.id }, 'job answered from the result cache');
    return spec;
  }
}

export type JobSubmitter = ReturnType<typeof createJobSubmitter>;

/** The query must parse, and hold query operations only (the compute service reads, never writes). */
function checkQueryDocument(query: string): void {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    throw new MedfedError('INVALID_QUERY', `query: ${(error as Error).message}`, {
      field: 'query',
    });
  }
  for (const definition of document.definitions) {
    if (
      definition.kind === Kind.OPERATION_DEFINITION &&
      definition.operation !== OperationTypeNode.QUERY
    ) {
      throw new MedfedError(
        'INVALID_QUERY',
        `query: only query operations are run, not ${definition.operation}s`,
        { field: 'query' },
      );
    }
  }
}
