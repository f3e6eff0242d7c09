import type { JobRecord, Unit } from '../jobs/job-types.js';

/** The URLs a client follows for a job. */
export function jobLinks(publicUrl: string, id: string) {
  return {
    jobs: `${publicUrl}/v1/jobs/${id}`,
    results: `${publicUrl}/v1/jobs/${id}/results`,
    render: `${publicUrl}/render/${id}`,
  };
}

const count = <T>(items: readonly T[], test: (item: T) => boolean) => items.filter(test).length;

/** A job as the REST API shows it: status, progress per stage, unit and image, timings, errors. */
export function jobView(record: JobRecord, publicUrl: string) {
  const { spec } = record;
  const stages = spec.pipeline.definition.stages;
  const runsOf = (unit: Unit) =>
    stages.flatMap((stage) => {
      const run = record.stages.find((r) => r.unit === unit.id && r.stage === stage.name);
      return run
        ? [
            {
              name: stage.name,
              state: run.state,
              attempt: run.attempt,
              started_at: run.startedAt,
              ...(run.finishedAt ? { finished_at: run.finishedAt } : {}),
              ...(run.durationMs !== undefined ? { duration_ms: run.durationMs } : {}),
              ...(run.worker ? { worker: run.worker } : {}),
              ...(run.provider ? { provider: run.provider } : {}),
              ...(run.error ? { error: run.error } : {}),
            },
          ]
        : [];
    });
  const started = record.startedAt ? Date.parse(record.startedAt) : undefined;
  const ended = record.finishedAt ? Date.parse(record.finishedAt) : undefined;
  return {
    id: spec.id,
    status: record.status,
    pipeline_tag: spec.pipeline.name,
    pipeline_version: spec.pipeline.version,
    input_tag: spec.inputTag,
    use_cache: spec.useCache,
    cached:
      spec.cachedFrom !== undefined ||
      (record.units.length > 0 && record.units.every((u) => u.cached)),
    ...(spec.cachedFrom ? { cached_from: spec.cachedFrom } : {}),
    model: {
      id: spec.model.id,
      name: spec.model.name,
      version: spec.model.version,
      sha256: spec.model.sha256,
    },
    created_at: spec.createdAt,
    updated_at: record.updatedAt,
    ...(record.startedAt ? { started_at: record.startedAt } : {}),
    ...(record.finishedAt ? { finished_at: record.finishedAt } : {}),
    ...(ended !== undefined ? { duration_ms: ended - Date.parse(spec.createdAt) } : {}),
    ...(started !== undefined && ended !== undefined ? { run_ms: ended - started } : {}),
    ...(record.error ? { error: record.error } : {}),
    progress: {
      images: {
        total: record.images.length,
        pending: count(record.images, (i) => i.state === 'PENDING'),
        fetched: count(record.images, (i) => i.state === 'FETCHED'),
        failed: count(record.images, (i) => i.state === 'FAILED'),
      },
      units: {
        total: record.unitsTotal ?? 0,
        pending: count(record.units, (u) => u.state === 'PENDING'),
        running: count(record.units, (u) => u.state === 'RUNNING'),
        succeeded: count(record.units, (u) => u.state === 'SUCCEEDED'),
        failed: count(record.units, (u) => u.state === 'FAILED'),
      },
      stages: stages.map((stage) => ({
        name: stage.name,
        operator: stage.operator,
        gpu: stage.gpu,
        succeeded: count(record.stages, (r) => r.stage === stage.name && r.state === 'SUCCEEDED'),
        running: count(record.stages, (r) => r.stage === stage.name && r.state === 'RUNNING'),
        failed: count(record.stages, (r) => r.stage === stage.name && r.state === 'FAILED'),
      })),
    },
    units: record.units.map((unit) => ({
      id: unit.id,
      state: unit.state,
      images: unit.images.map((i) => i.id),
      cached: unit.cached ?? false,
      ...(unit.error ? { error: unit.error } : {}),
      stages: runsOf(unit),
      results: `${publicUrl}/v1/jobs/${spec.id}/results/${unit.id}`,
    })),
    images: record.images.map((image) => ({
      id: image.id,
      state: image.state,
      ...(image.unit ? { unit: image.unit } : {}),
      ...(image.error ? { error: image.error } : {}),
    })),
    ...jobLinks(publicUrl, spec.id),
  };
}

export type JobView = ReturnType<typeof jobView>;
