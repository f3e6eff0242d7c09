import { z } from 'zod';

export const MODEL_TASKS = [
  'SEGMENTATION',
  'CLASSIFICATION',
  'DETECTION',
  'REGRESSION',
  'OTHER',
] as const;
export type ModelTask = (typeof MODEL_TASKS)[number];

export interface ModelRecord {
  readonly id: string;
  readonly name: string;
  readonly platform: string;
  readonly data_type: string;
  readonly kind: string;
  readonly url: string;
  readonly version: string;
  readonly description: string | null;
  readonly task: ModelTask;
  readonly modality: string | null;
  readonly bodyPart: string | null;
  readonly imageTypes: readonly string[];
  readonly inputShape: readonly number[] | null;
  readonly outputLabels: readonly string[];
  readonly sha256: string | null;
  readonly createdAt: string;
}

const token = (what: string, pattern: RegExp, max = 128) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .regex(pattern, `${what} has invalid characters (allowed: ${pattern.source})`);

/** What a caller may send to register a model; the store adds id (if absent) and createdAt. */
export const newModelSchema = z.object({
  id: token('id', /^[A-Za-z0-9._-]+$/, 64).optional(),
  name: token('name', /^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  platform: token('platform', /^[a-z0-9_]+$/, 64),
  data_type: token('data_type', /^TYPE_[A-Z0-9]+$/, 32),
  kind: z.enum(['KIND_GPU', 'KIND_CPU', 'KIND_AUTO'], {
    error: 'kind must be KIND_GPU, KIND_CPU or KIND_AUTO',
  }),
  url: z
    .string()
    .trim()
    .max(2048)
    .refine((u) => URL.canParse(u) && /^(https?|s3):$/.test(new URL(u).protocol), {
      message: 'url must be an absolute http(s) or s3 URL',
    }),
  version: token('version', /^[A-Za-z0-9._+-]+$/, 64),
  description: z.string().max(4000, 'description must be at most 4000 characters').nullish(),
  task: z.enum(MODEL_TASKS),
  modality: token('modality', /^[A-Z]{2,4}$/, 4).nullish(),
  bodyPart: token('bodyPart', /^[A-Z0-9_ ]+$/, 64).nullish(),
  imageTypes: z
    .array(token('imageTypes entry', /^[A-Za-z0-9_]+$/, 64))
    .max(64)
    .nullish(),
  inputShape: z
    .array(
      z
        .number()
        .int()
        .refine((d) => d === -1 || d > 0, 'inputShape dimensions must be positive or -1'),
    )
    .min(1)
    .max(8)
    .nullish(),
  outputLabels: z.array(z.string().trim().min(1).max(128)).max(4096).nullish(),
  sha256: z
    .string()
    .trim()
    .regex(/^[A-Fa-f0-9]{64}$/, 'sha256 must be 64 hexadecimal characters')
    .transform((s) => s.toLowerCase())
    .nullish(),
});

export type NewModel = z.output<typeof newModelSchema>;

export function toRecord(input: NewModel, id: string, createdAt: string): ModelRecord {
  return {
    id,
    name: input.name,
    platform: input.platform,
    data_type: input.data_type,
    kind: input.kind,
    url: input.url,
    version: input.version,
    description: input.description ?? null,
    task: input.task,
    modality: input.modality ?? null,
    bodyPart: input.bodyPart ?? null,
    imageTypes: input.imageTypes ?? [],
    inputShape: input.inputShape ?? null,
    outputLabels: input.outputLabels ?? [],
    sha256: input.sha256 ?? null,
    createdAt,
  };
}
