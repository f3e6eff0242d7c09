import { performance } from 'node:perf_hooks';
import { deserialize, serialize } from 'node:v8';
import type { ContentCache } from '../fetch/content-cache.js';
import type { InferenceEngine } from '../inference/inference-engine.js';
import type { ModelRef, Unit } from '../jobs/job-types.js';
import type { PipelineDefinition } from '../pipeline/pipeline-definition.js';
import {
  OPERATOR_IMPLEMENTATIONS,
  type Artifacts,
  type DicomFiles,
} from '../pipeline/operators.js';
import type { ObjectStore } from '../storage/object-store.js';

/** One stage of one unit: everything a worker thread needs, as plain data. */
export interface StageTask {
  readonly jobId: string;
  readonly unit: Unit;
  readonly stageIndex: number;
  readonly pipeline: PipelineDefinition;
  readonly model: ModelRef;
}

export type StageOutcome =
  | {
      readonly ok: true;
      readonly skipped: boolean;
      readonly provider?: string;
      readonly ms: number;
    }
  | { readonly ok: false; readonly unrecoverable: boolean; readonly message: string };

/** Where a unit's intermediate data lives (stage outputs, serialised), by data name. */
export const dataKey = (jobId: string, unitId: string, name: string) =>
  `jobs/${jobId}/units/${unitId}/data/${name}.v8`;

/** Where a stage's summary lives (next to the unit's intermediate data). */
export const summaryKey = (jobId: string, unitId: string, stage: string) =>
  `jobs/${jobId}/units/${unitId}/data/${stage}.summary.json`;

/** A unit's results prefix in object storage (artifacts and summary.json). */
export const resultsPrefixOf = (jobId: string, unitId: string) =>
  `jobs/${jobId}/units/${unitId}/results`;

/**
 * Runs one stage for one unit: reads its inputs (pipeline inputs from the content cache, earlier
 * outputs from object storage), runs the operator, writes artifacts and then its outputs. Outputs
 * are written last, so "all outputs exist" means the stage finished: a re-run (a retry, or a
 * killed worker's stage picked up again) skips, or recomputes the same bytes under the same keys —
 * nothing is duplicated. Errors from the operator are about the data and are not retried; errors
 * reading or writing storage are.
 */
export function createStageExecutor(deps: {
  store: ObjectStore;
  cache: ContentCache;
  engine: InferenceEngine;
}) {
  const { store, cache, engine } = deps;

  async function readInput(task: StageTask, name: string): Promise<unknown> {
    const declared = task.pipeline.inputs[name];
    if (declared) {
      const files: { name: string; bytes: Uint8Array }[] = [];
      for (const image of task.unit.images) {
        const bytes = await cache.bySha256(image.sha256);
        if (!bytes) throw new Error(`image ${image.id} is no longer in the download cache`);
        files.push({ name: image.id, bytes });
      }
      return { kind: 'dicom-files', files } satisfies DicomFiles;
    }
    const bytes = await store.get(dataKey(task.jobId, task.unit.id, name));
    if (!bytes) throw new Error(`stage input "${name}" is missing from storage`);
    return deserialize(bytes) as unknown;
  }

  return {
    async execute(task: StageTask): Promise<StageOutcome> {
      const started = performance.now();
      const stage = task.pipeline.stages[task.stageIndex];
      if (!stage) return { ok: false, unrecoverable: true, message: 'no such stage' };
      const outputKeys = stage.outputs.map((o) => dataKey(task.jobId, task.unit.id, o));
      try {
        const done = await Promise.all(outputKeys.map((k) => store.exists(k)));
        if (done.every(Boolean)) return { ok: true, skipped: true, ms: 0 };
        const inputs = await Promise.all(stage.inputs.map((name) => readInput(task, name)));
        const needsModel = stage.operator === 'onnx-inference';
        const modelBytes = needsModel
          ? (await cache.get(task.model.url, task.model.sha256)).bytes
          : new Uint8Array();
        const operator = OPERATOR_IMPLEMENTATIONS[stage.operator];
        const args = operator.args.parse(stage.args);
        let outputs: unknown[];
        try {
          outputs = await operator.run({
            args,
            inputs,
            engine,
            model: { ...task.model, bytes: modelBytes },
            putArtifact: (path, body) => store.put(`${task.unit.resultsPrefix}/${path}`, body),
          });
        } catch (error) {
          return { ok: false, unrecoverable: true, message: messageOf(error) };
        }
        // A stage's summary (measurements, prediction) is a small object of its own, written
        // before the outputs (so finished ⇒ present), so that nobody reads whole outputs for it.
        const summary = summaryOf(outputs);
        if (summary !== undefined)
          await store.put(
            summaryKey(task.jobId, task.unit.id, stage.name),
            JSON.stringify(summary),
          );
        for (let i = 0; i < outputKeys.length; i++) {
          await store.put(outputKeys[i]!, serialize(outputs[i]));
        }
        const provider = (outputs[0] as { provider?: string } | undefined)?.provider;
        return {
          ok: true,
          skipped: false,
          ...(provider ? { provider } : {}),
          ms: Math.round(performance.now() - started),
        };
      } catch (error) {
        const unrecoverable =
          (error as Error).name === 'ModelChecksumError' ||
          /checksum mismatch|not on the fetch allow-list/.test(messageOf(error));
        return { ok: false, unrecoverable, message: messageOf(error) };
      }
    },
  };
}

export type StageExecutor = ReturnType<typeof createStageExecutor>;

/** The summary an artifacts output carries, if any. */
function summaryOf(outputs: readonly unknown[]): unknown {
  for (const output of outputs) {
    const value = output as Partial<Artifacts> | undefined;
    if (value?.kind === 'artifacts' && value.summary !== undefined) return value.summary;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
