import type { PipelineDefinition } from '../pipeline/pipeline-definition.js';

/** A job's life: QUEUED → RUNNING → one of the terminal states. */
export const TERMINAL = ['SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = 'QUEUED' | 'RUNNING' | (typeof TERMINAL)[number];
export type UnitState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface ModelRef {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly url: string;
  readonly sha256: string;
  /** The model's output labels (class 0 first), from Model.outputLabels. */
  readonly labels: readonly string[];
}

export interface ImageRef {
  readonly id: string;
  readonly url: string;
  readonly type?: string | null;
}

/** What was asked for: fixed when the job is created. */
export interface JobSpec {
  readonly id: string;
  /** The pipeline as it was when the job was created (workers run exactly this version). */
  readonly pipeline: {
    readonly name: string;
    readonly version: string;
    readonly definition: PipelineDefinition;
  };
  readonly inputTag: string;
  readonly useCache: boolean;
  readonly model: ModelRef;
  readonly images: readonly ImageRef[];
  /** Pipeline version + model sha256 + input identities: equal fingerprints, equal results. */
  readonly fingerprint: string;
  readonly createdAt: string;
  /** When this job is a cache hit: the finished job whose results it shares. */
  readonly cachedFrom?: string;
}

/**
 * A unit of work through the pipeline: one series (dicom-series inputs) or one image
 * (dicom-image inputs). Its images' bytes are identified by their sha256.
 */
export interface Unit {
  readonly id: string;
  readonly images: readonly { readonly id: string; readonly sha256: string }[];
  /** sha256 over pipeline version, model sha256 and the images' content: the result-cache key. */
  readonly contentKey: string;
  readonly state: UnitState;
  readonly cached?: boolean;
  readonly error?: string;
  /** Where its results live in object storage (its own job's, or a cached run's). */
  readonly resultsPrefix: string;
}

export interface ImageState {
  readonly id: string;
  readonly state: 'PENDING' | 'FETCHED' | 'FAILED';
  readonly unit?: string;
  readonly sha256?: string;
  readonly error?: string;
}

export interface StageRun {
  readonly unit: string;
  readonly stage: string;
  readonly state: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  readonly attempt: number;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly worker?: string;
  readonly provider?: string;
  readonly error?: string;
}

export interface JobRecord {
  readonly spec: JobSpec;
  readonly status: JobStatus;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly error?: string;
  readonly unitsTotal?: number;
  readonly units: readonly Unit[];
  readonly images: readonly ImageState[];
  readonly stages: readonly StageRun[];
}

export const isTerminal = (status: string): boolean =>
  (TERMINAL as readonly string[]).includes(status);
