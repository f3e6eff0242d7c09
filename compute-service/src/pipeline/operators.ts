import { z } from 'zod';
import type { InferenceEngine } from '../inference/inference-engine.js';
import { postprocessClassification } from '../operators/classification-postprocess.js';
import { preprocessSeries, type Volume } from '../operators/dicom-preprocess.js';
import { writeDicomSeg, type SegmentDescription } from '../operators/dicom-seg-writer.js';
import { inferVolume } from '../operators/onnx-inference.js';
import { overlayPng, slicePng } from '../operators/png-overlay.js';
import { postprocessSegmentation } from '../operators/segmentation-postprocess.js';
import dicomParser from 'dicom-parser';
import type { OPERATORS } from './pipeline-definition.js';

/** A pipeline input as stages receive it: the unit's DICOM files (de-identified at the source). */
export interface DicomFiles {
  readonly kind: 'dicom-files';
  readonly files: readonly { readonly name: string; readonly bytes: Uint8Array }[];
}

export interface Logits {
  readonly kind: 'logits';
  readonly logits: readonly Float32Array[];
  readonly classes: number;
  readonly provider: string;
}

export interface Labels {
  readonly kind: 'labels';
  readonly labels: Uint8Array;
  readonly slices: number;
  readonly rows: number;
  readonly columns: number;
  readonly sopInstanceUIDs: readonly string[];
}

/** An output that is files in the unit's results (listed here by their result paths). */
export interface Artifacts {
  readonly kind: 'artifacts';
  readonly paths: readonly string[];
  /** A small JSON summary shown beside the results (measurements, prediction). */
  readonly summary?: unknown;
}

export interface StageContext<A> {
  readonly args: A;
  readonly inputs: readonly unknown[];
  readonly model: {
    readonly bytes: Uint8Array;
    readonly sha256: string;
    readonly name: string;
    readonly version: string;
    readonly labels: readonly string[];
  };
  readonly engine: InferenceEngine;
  /** Writes a file into the unit's results (relative path). */
  readonly putArtifact: (path: string, body: Uint8Array | string) => Promise<void>;
}

/**
 * A pipeline's operators: each validates its own arguments (checked when pipelines load) and turns
 * its inputs into outputs. Errors they throw are about the data (a corrupt or unsupported image):
 * the same input fails the same way, so such an error is not retried.
 */
export interface Operator<A = unknown> {
  readonly args: z.ZodType<A>;
  readonly run: (context: StageContext<A>) => Promise<unknown[]>;
}

const window = z.object({ center: z.number(), width: z.number().positive() }).strict();

function input<T extends { kind: string }>(value: unknown, kind: T['kind'], position: number): T {
  if ((value as { kind?: string } | undefined)?.kind !== kind)
    throw new Error(`input ${position + 1} should be ${kind}`);
  return value as T;
}

function volumeInput(value: unknown, position: number): Volume {
  const v = value as Partial<Volume> | undefined;
  if (!(v?.data instanceof Float32Array) || typeof v.slices !== 'number')
    throw new Error(`input ${position + 1} should be a volume`);
  return v as Volume;
}

const dicomPreprocess: Operator<{
  window?: z.output<typeof window>;
  resize?: { rows: number; columns: number };
}> = {
  args: z
    .object({
      window: window.optional(),
      resize: z
        .object({ rows: z.int().min(8).max(2048), columns: z.int().min(8).max(2048) })
        .strict()
        .optional(),
    })
    .strict(),
  async run({ args, inputs }) {
    const { files } = input<DicomFiles>(inputs[0], 'dicom-files', 0);
    return [preprocessSeries(files, args.window, args.resize)];
  },
};

const onnxInference: Operator<{ batchSize: number }> = {
  args: z.object({ batchSize: z.int().min(1).max(256).default(8) }).strict(),
  async run({ args, inputs, engine, model }) {
    const volume = volumeInput(inputs[0], 0);
    const out = await inferVolume(engine, model, volume, args.batchSize);
    return [{ kind: 'logits', ...out } satisfies Logits];
  },
};

const segmentationPostprocess: Operator<{ minVoxels: number }> = {
  args: z.object({ minVoxels: z.int().min(0).default(0) }).strict(),
  async run({ args, inputs, putArtifact, model }) {
    const logits = input<Logits>(inputs[0], 'logits', 0);
    const volume = volumeInput(inputs[1], 1);
    const seg = postprocessSegmentation(logits.logits, logits.classes, volume);
    const labelName = (label: number) => model.labels[label] ?? `class_${label}`;
    const measurements = {
      model: { name: model.name, version: model.version, sha256: model.sha256 },
      provider: logits.provider,
      spacingMm: volume.spacing,
      voxelMm3: volume.spacing[0] * volume.spacing[1] * volume.spacing[2],
      totals: seg.totals.map((t) => ({ ...t, name: labelName(t.label) })),
      components: seg.components
        .filter((c) => c.voxels >= args.minVoxels)
        .map((c) => ({ ...c, name: labelName(c.label) })),
    };
    await putArtifact('measurements.json', JSON.stringify(measurements, null, 2));
    await putArtifact('contours.json', JSON.stringify(seg.contours));
    const labels: Labels = {
      kind: 'labels',
      labels: seg.labels,
      slices: volume.slices,
      rows: volume.rows,
      columns: volume.columns,
      sopInstanceUIDs: volume.sopInstanceUIDs,
    };
    const artifacts: Artifacts = {
      kind: 'artifacts',
      paths: ['measurements.json', 'contours.json'],
      summary: {
        totals: measurements.totals,
        components: measurements.components.length,
        focusSlice: busiestSlice(seg.labels, volume.slices, volume.rows * volume.columns),
      },
    };
    return [labels, artifacts];
  },
};

/** The slice with the most labelled voxels (where a viewer should open). */
function busiestSlice(labels: Uint8Array, slices: number, plane: number): number {
  let best = 0;
  let bestCount = -1;
  for (let z = 0; z < slices; z++) {
    let n = 0;
    for (let i = z * plane; i < (z + 1) * plane; i++) if (labels[i]) n++;
    if (n > bestCount) {
      best = z;
      bestCount = n;
    }
  }
  return best;
}

const classificationPostprocess: Operator<{
  positiveLabel: string;
  thresholds: { low: number; high: number };
}> = {
  args: z
    .object({
      positiveLabel: z.string().min(1),
      thresholds: z
        .object({ low: z.number().min(0).max(1), high: z.number().min(0).max(1) })
        .strict()
        .refine((t) => t.low <= t.high, 'thresholds.low must not exceed thresholds.high'),
    })
    .strict(),
  async run({ args, inputs, putArtifact, model }) {
    const { logits, provider } = input<Logits>(inputs[0], 'logits', 0);
    if (logits.length !== 1)
      throw new Error(`classification expects one image per unit, got ${logits.length}`);
    const prediction = postprocessClassification(logits[0]!, {
      labels: model.labels,
      positiveLabel: args.positiveLabel,
      thresholds: args.thresholds,
    });
    const document = {
      model: { name: model.name, version: model.version, sha256: model.sha256 },
      provider,
      ...prediction,
    };
    await putArtifact('prediction.json', JSON.stringify(document, null, 2));
    return [
      { kind: 'artifacts', paths: ['prediction.json'], summary: prediction } satisfies Artifacts,
    ];
  },
};

const code = z.object({
  value: z.string().min(1),
  scheme: z.enum(['SCT', 'DCM']),
  meaning: z.string().min(1),
});

const dicomSegWriter: Operator<{
  segments?: { label: string; category: z.output<typeof code>; type: z.output<typeof code> }[];
}> = {
  args: z
    .object({
      segments: z
        .array(z.object({ label: z.string().min(1), category: code, type: code }).strict())
        .min(1)
        .optional(),
    })
    .strict(),
  async run({ args, inputs, putArtifact, model }) {
    const labels = input<Labels>(inputs[0], 'labels', 0);
    const { files } = input<DicomFiles>(inputs[1], 'dicom-files', 1);
    const bySop = new Map(
      files.map((f) => [
        dicomParser.parseDicom(f.bytes, { untilTag: 'x7fe00010' }).string('x00080018') ?? '',
        f.bytes,
      ]),
    );
    const sources = labels.sopInstanceUIDs.map((uid) => {
      const bytes = bySop.get(uid);
      if (!bytes) throw new Error('a labelled slice has no source image');
      return bytes;
    });
    const segments: SegmentDescription[] = (
      args.segments ?? [
        {
          label: model.labels[1] ?? 'Segment',
          category: {
            value: '49755003',
            scheme: 'SCT',
            meaning: 'Morphologically abnormal structure',
          },
          type: { value: '4147007', scheme: 'SCT', meaning: 'Mass' },
        },
      ]
    ).map((s) => ({ ...s, algorithm: { name: model.name, version: model.version } }));
    const bytes = writeDicomSeg({
      sources,
      labels: labels.labels,
      rows: labels.rows,
      columns: labels.columns,
      segments,
      seriesDescription: `${model.name} segmentation`,
    });
    await putArtifact('segmentation.dcm', bytes);
    return [{ kind: 'artifacts', paths: ['segmentation.dcm'] } satisfies Artifacts];
  },
};

const pngOverlay: Operator<{ fillAlpha: number }> = {
  args: z.object({ fillAlpha: z.int().min(0).max(255).default(110) }).strict(),
  async run({ args, inputs, putArtifact }) {
    // [labels, volume] draws overlays on the slices; [volume] alone writes the slices only.
    const labels = inputs.length > 1 ? input<Labels>(inputs[0], 'labels', 0) : undefined;
    const volume = volumeInput(inputs[inputs.length - 1], inputs.length - 1);
    const plane = volume.rows * volume.columns;
    const paths: string[] = [];
    for (let z = 0; z < volume.slices; z++) {
      const name = String(z).padStart(4, '0');
      await putArtifact(
        `slices/${name}.png`,
        slicePng(volume.data.subarray(z * plane, (z + 1) * plane), volume.rows, volume.columns),
      );
      paths.push(`slices/${name}.png`);
      if (labels) {
        await putArtifact(
          `overlays/${name}.png`,
          overlayPng(
            labels.labels.subarray(z * plane, (z + 1) * plane),
            volume.rows,
            volume.columns,
            args.fillAlpha,
          ),
        );
        paths.push(`overlays/${name}.png`);
      }
    }
    return [
      {
        kind: 'artifacts',
        paths,
        summary: {
          slices: volume.slices,
          rows: volume.rows,
          columns: volume.columns,
          overlay: !!labels,
        },
      } satisfies Artifacts,
    ];
  },
};

/** Operators are stored with their argument types erased; arguments are parsed before each run. */
const erase = <A>(operator: Operator<A>) => operator as unknown as Operator<unknown>;

export const OPERATOR_IMPLEMENTATIONS: Record<(typeof OPERATORS)[number], Operator<unknown>> = {
  'dicom-preprocess': erase(dicomPreprocess),
  'onnx-inference': erase(onnxInference),
  'segmentation-postprocess': erase(segmentationPostprocess),
  'classification-postprocess': erase(classificationPostprocess),
  'dicom-seg-writer': erase(dicomSegWriter),
  'png-overlay': erase(pngOverlay),
};

/** Checks a stage's arguments against its operator; the message says what is wrong. */
export function checkOperatorArgs(
  operator: (typeof OPERATORS)[number],
  args: unknown,
): string | undefined {
  const parsed = OPERATOR_IMPLEMENTATIONS[operator].args.safeParse(args);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `args${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`;
}
