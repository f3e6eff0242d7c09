import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeManyTinyMrImages } from '#fixtures/dicom-phantoms.js';
import { REGISTER_MODEL, SAMPLE_MODELS, SEED_MODEL_NAME } from '#fixtures/sample-models.js';
import { post, startStack, type Stack } from './support/start-stack.js';

/**
 * A query touching 500 images makes one backend call per entity type per subgraph request:
 * DataLoader collects every reference of a subgraph request into one port call, and the DynamoDB
 * adapter turns that into ceil(n / 100) BatchGetItem calls (DynamoDB's batch size).
 */
const N = 500;
let dir: string;
let stack: Stack;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medfed-batch-'));
  await writeManyTinyMrImages({ dir, patient: 'PHANTOM-MANY', count: N });
  stack = await startStack({ imageDir: dir });
  for (const input of SAMPLE_MODELS) {
    const { body } = await stack.query(REGISTER_MODEL, { input });
    expect(body.errors).toBeUndefined();
  }
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await rm(dir, { recursive: true, force: true });
});

it('resolves metrics for 500 images with one metrics-store call (5 BatchGetItem)', async () => {
  stack.resetCounts();
  const { body } = await stack.query(
    `{ medicalImages(first: 1000) { totalCount nodes { id type metrics { name value } } } }`,
  );
  expect(body.errors).toBeUndefined();
  const conn = body.data!['medicalImages'] as { totalCount: number; nodes: unknown[] };
  expect(conn.totalCount).toBe(N);
  expect(conn.nodes).toHaveLength(N);
  expect(stack.calls.images.count('search')).toBe(1);
  expect(stack.calls.metrics.count('getForSubjects')).toBe(1);
  expect((stack.calls.metrics.calls.get('getForSubjects')![0]![0] as unknown[]).length).toBe(N);
  expect(stack.calls.dynamo.counts.get('BatchGetItem')).toBe(N / 100);
  expect([...stack.calls.dynamo.counts.keys()]).toEqual(['BatchGetItem']);
});

it('resolves models → 500 images → metrics with one call per entity type per subgraph', async () => {
  stack.resetCounts();
  const { body } = await stack.query(
    `{ models { name metrics { name } medicalImages(first: 1000) { id metrics { name } } } }`,
  );
  expect(body.errors).toBeUndefined();
  const models = body.data!['models'] as { name: string; medicalImages: unknown[] }[];
  expect(models.find((m) => m.name === SEED_MODEL_NAME)!.medicalImages).toHaveLength(N);
  // ai-models: one find; medical-images: one compatibility lookup for all three models;
  // metrics: one call for the models and one for the images (two subgraph requests in the plan).
  expect(stack.calls.models.count('find')).toBe(1);
  expect(stack.calls.images.count('findCompatible')).toBe(1);
  expect((stack.calls.images.calls.get('findCompatible')![0]![0] as unknown[]).length).toBe(3);
  expect(stack.calls.metrics.count('getForSubjects')).toBe(2);
});

it('answers 500 _entities representations of MedicalImage with one image-source call', async () => {
  const { body: page } = await stack.query(`{ medicalImages(first: 1000) { nodes { id } } }`);
  const ids = (page.data!['medicalImages'] as { nodes: { id: string }[] }).nodes.map((n) => n.id);
  stack.resetCounts();
  const { body } = await post(
    stack.subgraphUrl('medical-images').replace(/\/graphql$/, ''),
    `query ($r: [_Any!]!) { _entities(representations: $r) { ... on MedicalImage { id rows } } }`,
    { r: ids.map((id) => ({ __typename: 'MedicalImage', id })) },
  );
  expect(body.errors).toBeUndefined();
  expect((body.data!['_entities'] as unknown[]).length).toBe(N);
  expect(stack.calls.images.count('getByIds')).toBe(1);
});

it('answers 500 _entities representations of Model with one model-store call', async () => {
  stack.resetCounts();
  const { body } = await post(
    stack.subgraphUrl('ai-models').replace(/\/graphql$/, ''),
    `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Model { id name } } }`,
    { r: Array.from({ length: N }, (_, i) => ({ __typename: 'Model', id: String(i + 1) })) },
  );
  expect(body.errors).toBeUndefined();
  const entities = body.data!['_entities'] as ({ name: string } | null)[];
  expect(entities.filter(Boolean)).toHaveLength(SAMPLE_MODELS.length);
  expect(stack.calls.models.count('getByIds')).toBe(1);
  expect(stack.calls.dynamo.counts.get('BatchGetItem')).toBe(N / 100);
});
