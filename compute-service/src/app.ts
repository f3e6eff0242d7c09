import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { baseUrlOf, createHttpApp } from '#common/http/create-http-app.js';
import { useProblemDetails } from '#common/http/problem-details.js';
import { MedfedError } from '#common/errors/medfed-error.js';
import type { Logger } from '#common/logging/create-logger.js';
import { createGatewayClient } from './api/gateway-client.js';
import { jobLinks, jobView } from './api/job-view.js';
import { renderPage, type RenderUnit } from './api/render-page.js';
import { createJobSubmitter } from './api/submit-job.js';
import type { JobStore } from './jobs/job-store.js';
import { isTerminal, type JobRecord, type JobStatus } from './jobs/job-types.js';
import type { PipelineDefinition } from './pipeline/pipeline-definition.js';
import type { PipelineQueues } from './queue/pipeline-queues.js';
import type { ObjectStore } from './storage/object-store.js';

export interface ComputeApiDeps {
  readonly jobs: JobStore;
  readonly queues: PipelineQueues;
  readonly store: ObjectStore;
  readonly pipelines: ReadonlyMap<string, PipelineDefinition>;
  readonly log: Logger;
  readonly gatewayUrl: string;
  readonly gatewayTimeoutMs: number;
  readonly allowedHosts: readonly string[];
  readonly maxBodyBytes: number;
  /** Where clients reach this service; default: the address it listens on. */
  readonly publicUrl?: string;
}

const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
  },
  { additionalProperties: true },
);
const errors = {
  400: Problem,
  404: Problem,
  409: Problem,
  413: Problem,
  422: Problem,
  502: Problem,
};
/** A documented JSON object whose members are described in the README (kept open here). */
const Open = (description: string) =>
  Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, description });
const JobId = Type.String({ format: 'uuid' });
const UnitId = Type.String({ pattern: '^u[0-9a-f]{16}$' });
const JobParams = Type.Object({ id: JobId });
const UnitParams = Type.Object({ id: JobId, unit: UnitId });
const STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED', 'CANCELLED'];

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  png: 'image/png',
  dcm: 'application/dicom',
};

/**
 * The compute service's REST API (Fastify, TypeBox schemas, OpenAPI at /openapi.json, RFC 9457
 * errors) and its render page. Pure: no listen(); main.ts does that.
 */
export async function build(deps: ComputeApiDeps) {
  const base = createHttpApp({ log: deps.log, bodyLimitBytes: deps.maxBodyBytes });
  useProblemDetails(base, deps.log);
  await base.register(swagger, {
    openapi: {
      info: {
        title: 'medfed compute service',
        version: '1',
        description:
          'Submit a GraphQL query and a pipeline; follow the job; fetch and render its results.',
      },
    },
  });
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const publicUrl = () => deps.publicUrl ?? baseUrlOf(app);
  const submit = createJobSubmitter({
    ...deps,
    gateway: createGatewayClient({ url: deps.gatewayUrl, timeoutMs: deps.gatewayTimeoutMs }),
  });

  async function mustGet(id: string): Promise<JobRecord> {
    const record = await deps.jobs.get(id);
    if (!record) throw new MedfedError('NOT_FOUND', `no job ${id}`);
    return record;
  }

  async function unitResults(record: JobRecord) {
    return Promise.all(
      record.units.map(async (unit) => {
        const raw = await deps.store.get(`${unit.resultsPrefix}/summary.json`);
        const summary = raw
          ? (JSON.parse(new TextDecoder().decode(raw)) as {
              files: string[];
              stages: Record<string, unknown>;
            })
          : { files: [], stages: {} };
        const filesUrl = `${publicUrl()}/v1/jobs/${record.spec.id}/results/${unit.id}/files`;
        return {
          id: unit.id,
          state: unit.state,
          cached: unit.cached ?? false,
          images: unit.images.map((i) => i.id),
          ...(unit.error ? { error: unit.error } : {}),
          summary: summary.stages,
          files: Object.fromEntries(summary.files.map((f) => [f, `${filesUrl}/${f}`])),
          filesUrl,
          fileList: summary.files,
        };
      }),
    );
  }

  /** A unit's results without the render page's internals. */
  const publicUnit = (unit: Awaited<ReturnType<typeof unitResults>>[number]) => ({
    id: unit.id,
    state: unit.state,
    cached: unit.cached,
    images: unit.images,
    ...(unit.error ? { error: unit.error } : {}),
    summary: unit.summary,
    files: unit.files,
  });

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.post(
    '/v1/jobs',
    {
      schema: {
        summary: 'Run a pipeline on the model and images a GraphQL query finds',
        tags: ['jobs'],
        body: Type.Object(
          {
            pipeline_tag: Type.String({
              minLength: 1,
              maxLength: 100,
              description: 'Pipeline name, see /v1/pipelines',
            }),
            input_tag: Type.String({
              minLength: 1,
              maxLength: 100,
              description: 'Which pipeline input the images feed',
            }),
            use_cache: Type.Optional(
              Type.Boolean({
                default: false,
                description:
                  'Return stored results for the same pipeline version, model and inputs',
              }),
            ),
            query: Type.String({
              minLength: 1,
              maxLength: 100_000,
              description: 'GraphQL query run through the gateway',
            }),
            variables: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Open('A cache hit: the job is finished already'),
          202: Open('Accepted: follow `jobs`, look at `render`'),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { spec, cached } = await submit(request.body, request.headers);
      const links = jobLinks(publicUrl(), spec.id);
      void reply.header('location', links.jobs);
      return reply.code(cached ? 201 : 202).send({
        id: spec.id,
        status: cached ? 'SUCCEEDED' : 'QUEUED',
        cached,
        images: spec.images.length,
        ...links,
      });
    },
  );

  app.get(
    '/v1/jobs',
    {
      schema: {
        summary: 'List jobs, newest first',
        tags: ['jobs'],
        querystring: Type.Object({
          status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
          pipeline_tag: Type.Optional(Type.String({ maxLength: 100 })),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          cursor: Type.Optional(
            Type.String({ pattern: '^[0-9]+$', description: 'next_cursor of the previous page' }),
          ),
        }),
        response: { 200: Open('A page of jobs'), ...errors },
      },
    },
    async (request) => {
      const { status, pipeline_tag, limit } = request.query;
      let before = request.query.cursor ? Number(request.query.cursor) : undefined;
      const items: ReturnType<typeof summaryOf>[] = [];
      let scanned = 0;
      let exhausted = false;
      while (items.length < limit && scanned < 5000) {
        const ids = await deps.jobs.list({
          limit: 100,
          ...(before !== undefined ? { before } : {}),
        });
        if (ids.length === 0) {
          exhausted = true;
          break;
        }
        for (const id of ids) {
          scanned++;
          const record = await deps.jobs.get(id);
          if (!record) continue;
          before = Date.parse(record.spec.createdAt);
          if (status && record.status !== (status as JobStatus)) continue;
          if (pipeline_tag && record.spec.pipeline.name !== pipeline_tag) continue;
          items.push(summaryOf(record));
          if (items.length === limit) break;
        }
      }
      return {
        items,
        ...(exhausted || before === undefined ? {} : { next_cursor: String(before) }),
      };
    },
  );

  function summaryOf(record: JobRecord) {
    return {
      id: record.spec.id,
      status: record.status,
      pipeline_tag: record.spec.pipeline.name,
      pipeline_version: record.spec.pipeline.version,
      model: record.spec.model.name,
      images: record.spec.images.length,
      created_at: record.spec.createdAt,
      ...(record.finishedAt ? { finished_at: record.finishedAt } : {}),
      ...jobLinks(publicUrl(), record.spec.id),
    };
  }

  app.get(
    '/v1/jobs/:id',
    {
      schema: {
        summary: 'A job: status, per-stage, per-unit and per-image progress, timings, errors',
        tags: ['jobs'],
        params: JobParams,
        response: { 200: Open('The job'), ...errors },
      },
    },
    async (request) => jobView(await mustGet(request.params.id), publicUrl()),
  );

  app.delete(
    '/v1/jobs/:id',
    {
      schema: {
        summary: 'Cancel a job that has not finished',
        tags: ['jobs'],
        params: JobParams,
        response: { 202: Open('Cancelled'), ...errors },
      },
    },
    async (request, reply) => {
      const record = await mustGet(request.params.id);
      if (isTerminal(record.status) || !(await deps.jobs.end(record.spec.id, 'CANCELLED'))) {
        throw new MedfedError(
          'CONFLICT',
          `job ${record.spec.id} has already ended (${(await deps.jobs.status(record.spec.id)) ?? record.status})`,
        );
      }
      const removed = await deps.queues.removeWaiting(record.spec.id);
      deps.log.info({ job: record.spec.id, removedTasks: removed }, 'job cancelled');
      return reply.code(202).send({
        id: record.spec.id,
        status: 'CANCELLED',
        ...jobLinks(publicUrl(), record.spec.id),
      });
    },
  );

  app.get(
    '/v1/jobs/:id/results',
    {
      schema: {
        summary: "A job's results per unit (a series, or an image): summaries and file links",
        tags: ['results'],
        params: JobParams,
        response: { 200: Open('Results'), ...errors },
      },
    },
    async (request) => {
      const record = await mustGet(request.params.id);
      const units = await unitResults(record);
      return {
        id: record.spec.id,
        status: record.status,
        units: units.map(publicUnit),
        failed_images: record.images
          .filter((i) => i.state === 'FAILED')
          .map((i) => ({ id: i.id, error: i.error })),
      };
    },
  );

  app.get(
    '/v1/jobs/:id/results/:unit',
    {
      schema: {
        summary: "One unit's results",
        tags: ['results'],
        params: UnitParams,
        response: { 200: Open('Unit results'), ...errors },
      },
    },
    async (request) => {
      const record = await mustGet(request.params.id);
      const unit = (await unitResults(record)).find((u) => u.id === request.params.unit);
      if (!unit)
        throw new MedfedError(
          'NOT_FOUND',
          `job ${record.spec.id} has no unit ${request.params.unit}`,
        );
      return publicUnit(unit);
    },
  );

  app.get(
    '/v1/jobs/:id/images/:image',
    {
      schema: {
        summary: "One input image's state and its results",
        tags: ['results'],
        params: Type.Object({
          id: JobId,
          image: Type.String({ maxLength: 200 }),
        }),
        response: { 200: Open('Image'), ...errors },
      },
    },
    async (request) => {
      const record = await mustGet(request.params.id);
      const image = record.images.find((i) => i.id === request.params.image);
      if (!image)
        throw new MedfedError(
          'NOT_FOUND',
          `job ${record.spec.id} has no image ${request.params.image}`,
        );
      const unit = record.units.find((u) => u.id === image.unit);
      return {
        id: image.id,
        state:
          unit?.state === 'FAILED'
            ? 'FAILED'
            : image.state === 'FETCHED'
              ? (unit?.state ?? 'PENDING')
              : image.state,
        ...((image.error ?? unit?.error) ? { error: image.error ?? unit?.error } : {}),
        ...(unit
          ? {
              unit: unit.id,
              results: `${publicUrl()}/v1/jobs/${record.spec.id}/results/${unit.id}`,
            }
          : {}),
      };
    },
  );

  app.get(
    '/v1/jobs/:id/results/:unit/files/*',
    {
      schema: {
        summary: 'A result file (DICOM SEG, JSON, PNG)',
        tags: ['results'],
        params: Type.Object({
          id: JobId,
          unit: UnitId,
          '*': Type.String({ pattern: '^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$', maxLength: 300 }),
        }),
      },
    },
    async (request, reply) => {
      const record = await mustGet(request.params.id);
      const unit = record.units.find((u) => u.id === request.params.unit);
      const path = request.params['*'];
      const bytes =
        unit && !path.split('/').includes('..')
          ? await deps.store.get(`${unit.resultsPrefix}/${path}`)
          : undefined;
      if (!bytes) throw new MedfedError('NOT_FOUND', `no result file ${path}`);
      const type = CONTENT_TYPES[path.split('.').pop() ?? ''] ?? 'application/octet-stream';
      return reply
        .type(type)
        .header('cache-control', 'private, max-age=3600')
        .header('x-content-type-options', 'nosniff')
        .send(Buffer.from(bytes));
    },
  );

  const pipelineView = (p: PipelineDefinition) => ({
    name: p.name,
    version: p.version,
    ...(p.description ? { description: p.description.trim() } : {}),
    inputs: p.inputs,
    stages: p.stages.map((s) => ({
      name: s.name,
      operator: s.operator,
      gpu: s.gpu,
      inputs: s.inputs,
      outputs: s.outputs,
      args: s.args,
    })),
  });

  app.get(
    '/v1/pipelines',
    {
      schema: {
        summary: 'The pipelines this service runs',
        tags: ['pipelines'],
        response: { 200: Open('Pipelines') },
      },
    },
    async () => ({ items: [...deps.pipelines.values()].map(pipelineView) }),
  );

  app.get(
    '/v1/pipelines/:tag',
    {
      schema: {
        summary: 'One pipeline: its inputs and stages',
        tags: ['pipelines'],
        params: Type.Object({ tag: Type.String({ maxLength: 100 }) }),
        response: { 200: Open('Pipeline'), ...errors },
      },
    },
    async (request) => {
      const pipeline = deps.pipelines.get(request.params.tag);
      if (!pipeline) throw new MedfedError('NOT_FOUND', `no pipeline "${request.params.tag}"`);
      return pipelineView(pipeline);
    },
  );

  app.get(
    '/render/:id',
    {
      schema: {
        summary: "The viewer page for a job's results",
        tags: ['render'],
        params: JobParams,
        querystring: Type.Object({
          overlay: Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1')])),
          opacity: Type.Optional(Type.String({ pattern: '^(0(\\.[0-9]+)?|1(\\.0+)?)$' })),
          slice: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
        }),
      },
    },
    async (request, reply) => {
      const record = await mustGet(request.params.id);
      const units: RenderUnit[] = (await unitResults(record)).map((u) => ({
        id: u.id,
        state: u.state,
        images: u.images.length,
        ...(u.error ? { error: u.error } : {}),
        filesUrl: u.filesUrl,
        files: u.fileList,
        stages: u.summary,
      }));
      return reply
        .type('text/html; charset=utf-8')
        .header(
          'content-security-policy',
          "default-src 'self'; img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
        )
        .send(renderPage(jobView(record, publicUrl()), units, request.query));
    },
  );

  await app.ready();
  return {
    app,
    async listen(options: { host: string; port: number }) {
      await app.listen(options);
      return baseUrlOf(app);
    },
    close: () => app.close(),
  };
}

export type ComputeApi = Awaited<ReturnType<typeof build>>;
