import { z } from 'zod';

export const SUBJECT_TYPES = ['MODEL', 'MEDICAL_IMAGE'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export interface SubjectRef {
  readonly type: SubjectType;
  readonly id: string;
}

export interface MetricRecord {
  readonly name: string;
  readonly value: number;
  readonly unit: string | null;
  readonly source: string;
  readonly computedAt: string;
}

export const subjectKey = (s: SubjectRef) => `${s.type}#${s.id}`;

export const recordMetricSchema = z.object({
  subjectType: z.enum(SUBJECT_TYPES),
  subjectId: z.string().trim().min(1, 'subjectId must not be empty').max(128),
  name: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'name must be 1-128 of A-Z a-z 0-9 _ . : -'),
  value: z.number().refine(Number.isFinite, 'value must be a finite number'),
  unit: z.string().trim().max(32, 'unit must be at most 32 characters').nullish(),
  source: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.:/@+-]{1,128}$/, 'source must be 1-128 of A-Z a-z 0-9 _ . : / @ + -'),
  computedAt: z
    .string()
    .datetime({ offset: true, error: 'computedAt must be an ISO 8601 date-time' })
    .transform((s) => new Date(s).toISOString())
    .nullish(),
});

export type RecordMetricInput = z.output<typeof recordMetricSchema>;

export function toMetricRecord(input: RecordMetricInput, now: Date): MetricRecord {
  return {
    name: input.name,
    value: input.value,
    unit: input.unit ?? null,
    source: input.source,
    computedAt: input.computedAt ?? now.toISOString(),
  };
}

/** Metrics in a stable order: by name, then source. */
export function byNameThenSource(a: MetricRecord, b: MetricRecord): number {
  return a.name === b.name ? a.source.localeCompare(b.source) : a.name.localeCompare(b.name);
}
