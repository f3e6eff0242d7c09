import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { checkOperatorArgs } from './operators.js';

/** Operators a stage may name (one file each under operators/). */
export const OPERATORS = [
  'dicom-preprocess',
  'onnx-inference',
  'segmentation-postprocess',
  'classification-postprocess',
  'dicom-seg-writer',
  'png-overlay',
] as const;

const name = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,62}$/,
    'must be lowercase letters, digits and -, starting with a letter',
  );
/** Names of data flowing between stages (pipeline inputs, stage outputs). */
const dataName = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,62}$/,
    'must be lowercase letters, digits, _ and -, starting with a letter',
  );

const schema = z.object({
  name,
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version, e.g. 1.2.0'),
  description: z.string().max(2000).optional(),
  inputs: z
    .record(
      name,
      z.object({
        kind: z.enum(['dicom-series', 'dicom-image']),
        modality: z
          .string()
          .regex(/^[A-Z]{2,4}$/)
          .optional(),
        imageTypes: z.array(z.string()).optional(),
      }),
    )
    .refine((r) => Object.keys(r).length > 0, 'a pipeline needs at least one input'),
  stages: z
    .array(
      z.object({
        name,
        operator: z.enum(OPERATORS, { error: `operator must be one of: ${OPERATORS.join(', ')}` }),
        gpu: z.boolean().default(false),
        inputs: z.array(dataName).min(1, 'a stage needs at least one input'),
        outputs: z.array(dataName).min(1, 'a stage needs at least one output'),
        args: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .min(1, 'a pipeline needs at least one stage'),
});

export type PipelineDefinition = z.output<typeof schema>;

/** A definition refused at load, with where and why. */
export class PipelineDefinitionError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'PipelineDefinitionError';
  }
}

/** Parses and validates a pipeline definition (YAML): schema, then the stage graph. */
export function parsePipeline(text: string, file = 'pipeline.yaml'): PipelineDefinition {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const firstError = doc.errors[0];
  if (firstError) {
    throw new PipelineDefinitionError(
      file,
      lines.linePos(firstError.pos[0]).line,
      `invalid YAML: ${firstError.message.split('\n')[0]}`,
    );
  }
  const lineOf = (path: readonly PropertyKey[]) => {
    let node: Node | null | undefined = doc.contents;
    let last = node;
    for (const key of path) {
      if (isMap(node)) node = node.get(key, true);
      else if (isSeq(node)) node = node.get(Number(key), true);
      else break;
      if (node) last = node;
    }
    return lines.linePos(last?.range?.[0] ?? 0).line;
  };
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PipelineDefinitionError(
      file,
      lineOf(issue.path),
      `${issue.path.join('.') || '(document)'}: ${issue.message}`,
    );
  }
  const pipeline = parsed.data;
  const available = new Set(Object.keys(pipeline.inputs));
  const stageNames = new Set<string>();
  pipeline.stages.forEach((stage, i) => {
    const at = (key: string, j?: number) =>
      lineOf(['stages', i, key, ...(j === undefined ? [] : [j])]);
    if (stageNames.has(stage.name))
      throw new PipelineDefinitionError(
        file,
        at('name'),
        `stage name "${stage.name}" is used twice`,
      );
    stageNames.add(stage.name);
    const argsProblem = checkOperatorArgs(stage.operator, stage.args);
    if (argsProblem)
      throw new PipelineDefinitionError(
        file,
        at('args'),
        `stage "${stage.name}" (${stage.operator}): ${argsProblem}`,
      );
    stage.inputs.forEach((input, j) => {
      if (!available.has(input)) {
        throw new PipelineDefinitionError(
          file,
          at('inputs', j),
          `stage "${stage.name}" reads "${input}", which no pipeline input or earlier stage provides`,
        );
      }
    });
    stage.outputs.forEach((output, j) => {
      if (available.has(output))
        throw new PipelineDefinitionError(file, at('outputs', j), `"${output}" is produced twice`);
      available.add(output);
    });
  });
  return pipeline;
}

export async function loadPipeline(path: string): Promise<PipelineDefinition> {
  return parsePipeline(await readFile(path, 'utf8'), path);
}

/** Every `*.yaml` pipeline in a directory, by name; two files naming one pipeline are refused. */
export async function loadPipelines(dir: string): Promise<Map<string, PipelineDefinition>> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const pipelines = new Map<string, PipelineDefinition>();
  for (const f of files) {
    const pipeline = await loadPipeline(join(dir, f));
    if (pipelines.has(pipeline.name))
      throw new PipelineDefinitionError(
        join(dir, f),
        1,
        `pipeline "${pipeline.name}" is defined twice`,
      );
    pipelines.set(pipeline.name, pipeline);
  }
  return pipelines;
}
