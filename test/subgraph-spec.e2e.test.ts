import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBrainMrSeries } from '#fixtures/dicom-phantoms.js';
import { REGISTER_MODEL, SAMPLE_MODELS } from '#fixtures/sample-models.js';
import { post, startStack, type Stack } from './support/start-stack.js';

/** Each subgraph answers the federation subgraph spec's `_service { sdl }` and `_entities`. */
let dir: string;
let stack: Stack;
let imageId: string;
let modelId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medfed-spec-'));
  await writeBrainMrSeries({ dir, patient: 'PHANTOM-SPEC', contrast: 'T1c', slices: 2 });
  stack = await startStack({ imageDir: dir });
  const { body } = await stack.query(REGISTER_MODEL, { input: SAMPLE_MODELS[0] });
  modelId = (body.data!['registerModel'] as { id: string }).id;
  const { body: images } = await stack.query('{ medicalImages { nodes { id } } }');
  imageId = (images.data!['medicalImages'] as { nodes: { id: string }[] }).nodes[0]!.id;
});

afterAll(async () => {
  await stack?.close();
  await rm(dir, { recursive: true, force: true });
});

const subgraphPost = (name: string, query: string, variables?: Record<string, unknown>) =>
  post(stack.subgraphUrl(name).replace(/\/graphql$/, ''), query, variables);

describe.each([
  ['ai-models', ['type Model @key(fields: "id")', 'registerModel']],
  [
    'medical-images',
    ['type MedicalImage @key(fields: "id")', '@requires(fields: "modality bodyPart imageTypes")'],
  ],
  ['metrics', ['type Metric', 'type MedicalImage @key(fields: "id")']],
])('%s', (name, expected) => {
  it('answers _service { sdl } with its federation SDL', async () => {
    const { body } = await subgraphPost(name, '{ _service { sdl } }');
    const sdl = (body.data!['_service'] as { sdl: string }).sdl.replace(/\s+/g, ' ');
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.7"');
    for (const fragment of expected) expect(sdl).toContain(fragment);
  });

  it('answers /health', async () => {
    const response = await fetch(stack.subgraphUrl(name).replace(/graphql$/, 'health'));
    expect(await response.json()).toEqual({ status: 'ok', subgraph: name });
  });
});

describe('_entities', () => {
  it('resolves Model references in ai-models, null for unknown ids, in order', async () => {
    const { body } = await subgraphPost(
      'ai-models',
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Model { id name } } }`,
      {
        r: [
          { __typename: 'Model', id: 'nope' },
          { __typename: 'Model', id: modelId },
        ],
      },
    );
    expect(body.data!['_entities']).toEqual([null, { id: modelId, name: SAMPLE_MODELS[0].name }]);
  });

  it('resolves Model.medicalImages in medical-images from the @requires fields it is given', async () => {
    const { body } = await subgraphPost(
      'medical-images',
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Model { medicalImages { id model_id } } } }`,
      {
        r: [
          {
            __typename: 'Model',
            id: '7',
            modality: 'MR',
            bodyPart: 'BRAIN',
            imageTypes: ['MRI_T1c'],
          },
          { __typename: 'Model', id: '8', modality: 'CT', bodyPart: null, imageTypes: [] },
        ],
      },
    );
    expect(body.errors).toBeUndefined();
    const [mr, ct] = body.data!['_entities'] as {
      medicalImages: { id: string; model_id: number }[];
    }[];
    expect(mr!.medicalImages).toHaveLength(2);
    expect(mr!.medicalImages[0]!.model_id).toBe(7);
    expect(ct!.medicalImages).toEqual([]);
  });

  it('resolves MedicalImage references in medical-images and metrics', async () => {
    const r = [{ __typename: 'MedicalImage', id: imageId }];
    const images = await subgraphPost(
      'medical-images',
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on MedicalImage { id type } } }`,
      { r },
    );
    expect(images.body.data!['_entities']).toEqual([{ id: imageId, type: 'MRI_T1c' }]);
    const metrics = await subgraphPost(
      'metrics',
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on MedicalImage { id metrics { name } } } }`,
      { r },
    );
    expect(metrics.body.data!['_entities']).toEqual([{ id: imageId, metrics: [] }]);
  });
});
