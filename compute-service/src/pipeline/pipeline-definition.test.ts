import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadPipeline,
  loadPipelines,
  parsePipeline,
  PipelineDefinitionError,
} from './pipeline-definition.js';

const shipped = join(import.meta.dirname, '..', '..', 'pipelines');

describe('pipeline definitions', () => {
  it('loads the shipped segmentation pipeline', async () => {
    const p = await loadPipeline(join(shipped, 'brain-tumor-pipeline.yaml'));
    expect(p.name).toBe('brain-tumor-pipeline');
    expect(p.stages.map((s) => [s.name, s.operator, s.gpu])).toEqual([
      ['preprocess', 'dicom-preprocess', false],
      ['infer', 'onnx-inference', true],
      ['postprocess', 'segmentation-postprocess', false],
      ['seg', 'dicom-seg-writer', false],
      ['overlays', 'png-overlay', false],
    ]);
  });

  it('loads every shipped pipeline by name', async () => {
    const all = await loadPipelines(shipped);
    expect([...all.keys()].sort()).toEqual(['brain-tumor-pipeline', 'chest-xray-opacity-pipeline']);
    expect(all.get('chest-xray-opacity-pipeline')!.inputs['cxr']).toMatchObject({
      kind: 'dicom-image',
      modality: 'CR',
    });
  });

  const good = `name: p
version: 1.0.0
inputs:
  dcm: { kind: dicom-series }
stages:
  - name: a
    operator: dicom-preprocess
    inputs: [dcm]
    outputs: [volume]
  - name: b
    operator: onnx-inference
    inputs: [volume]
    outputs: [logits]
`;

  it.each([
    [good.replace('version: 1.0.0', 'version: one'), 2, /version: must be a semantic version/],
    [
      good.replace('operator: onnx-inference', 'operator: magic'),
      11,
      /operator must be one of: dicom-preprocess/,
    ],
    [
      good.replace('inputs: [volume]', 'inputs: [volum]'),
      12,
      /stage "b" reads "volum", which no pipeline input or earlier stage provides/,
    ],
    [good.replace('outputs: [logits]', 'outputs: [volume]'), 13, /"volume" is produced twice/],
    [good.replace('name: b', 'name: a'), 10, /stage name "a" is used twice/],
    [
      good.replace('inputs:\n  dcm: { kind: dicom-series }', 'inputs:\n  dcm: { kind: video }'),
      4,
      /inputs\.dcm\.kind/,
    ],
    [
      `${good}    args: { batchSize: 0 }\n`,
      14,
      /stage "b" \(onnx-inference\): args\.batchSize: .*>=1/,
    ],
    [`${good}    args: { batchsize: 4 }\n`, 14, /args: Unrecognized key: "batchsize"/],
    // An unclosed bracket is noticed (and reported) where the next line begins.
    [good.replace('    outputs: [volume]', '    outputs: [volume'), 10, /invalid YAML/],
  ])('refuses a bad definition with the line and reason (%#)', (text, line, reason) => {
    let error: unknown;
    try {
      parsePipeline(text, 'bad.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PipelineDefinitionError);
    expect((error as PipelineDefinitionError).line).toBe(line);
    expect((error as PipelineDefinitionError).message).toMatch(new RegExp(`^bad\\.yaml:${line}: `));
    expect((error as PipelineDefinitionError).reason).toMatch(reason);
  });
});
