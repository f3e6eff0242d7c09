import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoImageSet, type PhantomSeries } from '#fixtures/dicom-phantoms.js';
import {
  REGISTER_MODEL,
  SAMPLE_MODELS,
  SEED_MODEL_NAME,
  SEED_QUERY,
} from '#fixtures/sample-models.js';
import { testDeidentifier } from '#common/testing/test-deidentifier.js';
import { createLogger } from '#common/logging/create-logger.js';
import { installResultShaping } from '../gateway/src/result-shaping/install-result-shaping.js';
import { post, startStack, type Stack } from './support/start-stack.js';

let dir: string;
let stack: Stack;
let series: PhantomSeries[];
const modelIds = new Map<string, string>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medfed-e2e-'));
  series = await writeDemoImageSet(dir);
  stack = await startStack({ imageDir: dir });
  for (const input of SAMPLE_MODELS) {
    const { body } = await stack.query(REGISTER_MODEL, { input });
    expect(body.errors).toBeUndefined();
    const registered = body.data!['registerModel'] as { id: string; name: string };
    modelIds.set(registered.name, registered.id);
  }
});

afterAll(async () => {
  await stack?.close();
  await rm(dir, { recursive: true, force: true });
});

type Img = { id: string; type: string; format: string; url: string };

describe('the seed query through the gateway', () => {
  it('returns the model joined with the images it can run on', async () => {
    const { status, body } = await stack.query(SEED_QUERY, { name: SEED_MODEL_NAME });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const [model] = body.data!['models'] as Record<string, unknown>[];
    expect(model).toMatchObject({
      id: modelIds.get(SEED_MODEL_NAME),
      name: SEED_MODEL_NAME,
      platform: 'tensorflow_graphdef',
      data_type: 'TYPE_FP32',
      kind: 'KIND_GPU',
      version: '0.6.0-2006.4',
    });
    const images = model!['medicalImages'] as Img[];
    // Two T1c series of 12 slices; the T2 series, CT and radiographs do not fit this model.
    const t1c = series.filter((s) => s.files[0]!.includes('brain-T1c'));
    expect(images).toHaveLength(t1c.reduce((n, s) => n + s.files.length, 0));
    expect(new Set(images.map((i) => i.type))).toEqual(new Set(['MRI_T1c']));
    expect(new Set(images.map((i) => i.format))).toEqual(new Set(['DICOM']));
  });

  it('serves each image url as the DICOM file it describes', async () => {
    const { body } = await stack.query(
      `{ models(name: "${SEED_MODEL_NAME}") { medicalImages(first: 1) { url sopInstanceUID } } }`,
    );
    const [image] = (
      body.data!['models'] as { medicalImages: { url: string; sopInstanceUID: string }[] }[]
    )[0]!.medicalImages;
    const response = await fetch(image!.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/dicom');
    const bytes = new Uint8Array(await response.arrayBuffer());
    const parsed = dicomParser.parseDicom(bytes);
    // What leaves is de-identified (PS3.15) and consistent with what the graph says.
    expect(parsed.string('x00080018')).toBe(image!.sopInstanceUID);
    const originals = series.flatMap((s) => s.sopInstanceUIDs);
    expect(originals).not.toContain(image!.sopInstanceUID);
    expect(originals.map((uid) => testDeidentifier.uid(uid))).toContain(image!.sopInstanceUID);
    expect(parsed.string('x00120062')).toBe('YES');
    expect(parsed.string('x00100010')).toMatch(/^ANON-[0-9A-F]{16}$/);
    expect(parsed.string('x00100030') ?? '').toBe('');
    expect(Buffer.from(bytes).toString('latin1')).not.toMatch(/PHANTOM|ACC-|19700101/);
    // Links are capabilities issued by the graph: tampered, unsigned or foreign ones are refused.
    const tampered = await fetch(
      image!.url.replace(/img-[0-9a-f]+/, 'img-000000000000000000000000'),
    );
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get('content-type')).toContain('application/problem+json');
    const unsigned = await fetch(image!.url.split('?')[0]!);
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as { detail: string }).detail).toMatch(/issued by the graph/);
  });

  it('joins all three subgraphs in one query', async () => {
    const modelId = modelIds.get(SEED_MODEL_NAME)!;
    const { body: seedBody } = await stack.query(SEED_QUERY, { name: SEED_MODEL_NAME });
    const imageId = (seedBody.data!['models'] as { medicalImages: Img[] }[])[0]!.medicalImages[0]!
      .id;
    const record = `mutation R($input: RecordMetricInput!) { recordMetric(input: $input) { name value } }`;
    for (const input of [
      {
        subjectType: 'MODEL',
        subjectId: modelId,
        name: 'dice',
        value: 0.84,
        unit: '1',
        source: 'brats-val',
      },
      {
        subjectType: 'MEDICAL_IMAGE',
        subjectId: imageId,
        name: 'tumor_volume',
        value: 2140.5,
        unit: 'mm3',
        source: 'pipeline@1',
      },
    ]) {
      const { body } = await stack.query(record, { input });
      expect(body.errors).toBeUndefined();
    }
    const { body } = await stack.query(
      `query ($id: ID!) {
        models(id: $id) {
          name
          metrics { name value unit source }
          medicalImages { id modality bodyPart rows columns pixelSpacing sliceThickness
            metrics { name value unit } }
        }
      }`,
      { id: modelId },
    );
    expect(body.errors).toBeUndefined();
    const model = (body.data!['models'] as Record<string, unknown>[])[0]!;
    expect(model['metrics']).toEqual([
      { name: 'dice', value: 0.84, unit: '1', source: 'brats-val' },
    ]);
    const images = model['medicalImages'] as Record<string, unknown>[];
    const measured = images.find((i) => i['id'] === imageId)!;
    expect(measured['metrics']).toEqual([{ name: 'tumor_volume', value: 2140.5, unit: 'mm3' }]);
    expect(measured).toMatchObject({
      modality: 'MR',
      bodyPart: 'BRAIN',
      rows: 64,
      columns: 64,
      sliceThickness: 5,
    });
    expect(measured['pixelSpacing']).toEqual([3.75, 3.75]);
    expect(images.filter((i) => (i['metrics'] as unknown[]).length === 0)).toHaveLength(
      images.length - 1,
    );
  });

  it('filters and pages medicalImages by cursor, covering every image once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const { body } = await stack.query(
        `query ($after: String) { medicalImages(filter: { modality: "MR", bodyPart: "BRAIN" }, first: 10, after: $after) {
           totalCount nodes { id type } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      expect(body.errors).toBeUndefined();
      const conn = body.data!['medicalImages'] as {
        totalCount: number;
        nodes: { id: string }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
      expect(conn.totalCount).toBe(36);
      seen.push(...conn.nodes.map((n) => n.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(36);
    expect(new Set(seen).size).toBe(36);
    const { body } = await stack.query(
      `{ medicalImages(filter: { type: "XRAY" }) { totalCount } }`,
    );
    expect(body.data!['medicalImages']).toEqual({ totalCount: 2 });
  });

  it('keeps the seed field medicalImage(id)', async () => {
    const { body: all } = await stack.query(`{ medicalImage { id } }`);
    const ids = (all.data!['medicalImage'] as { id: string }[]).map((i) => i.id);
    expect(ids).toHaveLength(series.reduce((n, s) => n + s.files.length, 0));
    const { body } = await stack.query(`query ($id: ID) { medicalImage(id: $id) { id format } }`, {
      id: ids[3],
    });
    expect(body.data!['medicalImage']).toEqual([{ id: ids[3], format: 'DICOM' }]);
    const { body: none } = await stack.query(`{ medicalImage(id: "img-nope") { id } }`);
    expect(none.data!['medicalImage']).toEqual([]);
  });
});

describe('bad input through the gateway', () => {
  it('answers an unparsable query with 400 GRAPHQL_PARSE_FAILED', async () => {
    const { status, body } = await stack.query('{ models { id ');
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions!['code']).toBe('GRAPHQL_PARSE_FAILED');
    expect(body.errors![0]!.message).toMatch(/Syntax Error/);
  });

  it('answers an unknown field with a validation error naming it', async () => {
    const { status, body } = await stack.query('{ models { id colour } }');
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions!['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors![0]!.message).toContain('Cannot query field "colour" on type "Model"');
  });

  it('rejects queries past the depth, alias and token limits with specific codes', async () => {
    const strict = await stack.startGateway({ maxDepth: 2, maxAliases: 3, maxTokens: 60 });
    const deep = await strict.query(SEED_QUERY, { name: SEED_MODEL_NAME });
    expect(deep.status).toBe(400);
    expect(deep.body.errors![0]!.extensions!['code']).toBe('QUERY_TOO_DEEP');
    expect(deep.body.errors![0]!.message).toMatch(/depth/i);
    const aliased = await strict.query(
      '{ a: models { id } b: models { id } c: models { id } d: models { id } }',
    );
    expect(aliased.status).toBe(400);
    expect(aliased.body.errors![0]!.extensions!['code']).toBe('TOO_MANY_ALIASES');
    expect(aliased.body.errors![0]!.message).toMatch(/alias/i);
    const long = await strict.query(`{ models { ${'id '.repeat(80)} } }`);
    expect(long.status).toBe(400);
    expect(long.body.errors![0]!.extensions!['code']).toBe('TOO_MANY_TOKENS');
    const fine = await strict.query('{ models { id } }');
    expect(fine.body.errors).toBeUndefined();
  });

  it('rejects a body over the size limit with 413 QUERY_TOO_LARGE', async () => {
    const { status, body } = await stack.query(`{ models { id } } # ${'x'.repeat(200 * 1024)}`);
    expect(status).toBe(413);
    expect(body.errors![0]!.extensions!['code']).toBe('QUERY_TOO_LARGE');
  });

  it('refuses introspection unless enabled', async () => {
    const { body } = await stack.query('{ __schema { types { name } } }');
    expect(body.errors![0]!.message).toMatch(/introspection/i);
    const open = await stack.startGateway({}, true);
    const allowed = await open.query('{ __schema { queryType { name } } }');
    expect(allowed.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('rejects bad paging arguments with BAD_USER_INPUT', async () => {
    const zero = await stack.query('{ medicalImages(first: 0) { totalCount } }');
    expect(zero.body.errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
    expect(zero.body.errors![0]!.message).toMatch(/first must be between 1 and 1000/);
    const cursor = await stack.query('{ medicalImages(after: "bm90IGEgY3Vyc29y") { totalCount } }');
    expect(cursor.body.errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
    expect(cursor.body.errors![0]!.message).toMatch(/cursor/);
  });

  it('rejects an invalid model with every problem listed, storing nothing', async () => {
    const before = (await stack.query('{ models { id } }')).body.data!['models'] as unknown[];
    const { body } = await stack.query(REGISTER_MODEL, {
      input: {
        ...SAMPLE_MODELS[1],
        name: 'bad name!',
        url: 'ftp://x',
        sha256: 'abc',
        version: '2',
      },
    });
    expect(body.errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
    expect(body.errors![0]!.extensions!['fields']).toEqual(['name', 'url', 'sha256']);
    expect(body.errors![0]!.message).toMatch(/url must be an absolute http\(s\) or s3 URL/);
    const duplicate = await stack.query(REGISTER_MODEL, { input: SAMPLE_MODELS[1] });
    expect(duplicate.body.errors![0]!.extensions!['code']).toBe('CONFLICT');
    const after = (await stack.query('{ models { id } }')).body.data!['models'] as unknown[];
    expect(after).toHaveLength(before.length);
  });

  it('rejects an invalid metric with BAD_USER_INPUT', async () => {
    const { body } = await stack.query(
      `mutation { recordMetric(input: { subjectType: MODEL, subjectId: "1", name: "dice score", value: 1, source: "x", computedAt: "yesterday" }) { name } }`,
    );
    expect(body.errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
    expect(body.errors![0]!.extensions!['fields']).toEqual(['name', 'computedAt']);
  });
});

describe('health', () => {
  it('is ready with a schema id once the supergraph is loaded', async () => {
    const response = await fetch(`${stack.gatewayUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      schemaId: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
  });
});

describe("the gateway's lean result shaping", () => {
  it("answers real federated queries exactly as Apollo's own shaping does", async () => {
    const log = createLogger({ name: 'test', level: 'silent' });
    const queries: [string, Record<string, unknown>?][] = [
      [SEED_QUERY, { name: SEED_MODEL_NAME }],
      [
        `{ models { __typename id n: name ... on Model { version kind metrics { __typename name value } }
            medicalImages(first: 5) { id type ... on MedicalImage { format modality rows columns pixelSpacing }
              metrics { name } } } }`,
      ],
      [
        `query ($skip: Boolean!) { a: models(name: "${SEED_MODEL_NAME}") { name @skip(if: $skip)
            medicalImages(first: 3) { id url @include(if: $skip) } } b: models { id } }`,
        { skip: true },
      ],
      [
        '{ medicalImages(first: 4) { totalCount pageInfo { hasNextPage endCursor } nodes { id type modality } } }',
      ],
    ];
    const answers = async () =>
      Promise.all(
        queries.map(async ([query, variables]) =>
          JSON.stringify((await stack.query(query, variables)).body).replace(
            /\?expires=\d+&signature=[A-Za-z0-9_-]+/g,
            '',
          ),
        ),
      );
    const lean = await answers();
    installResultShaping({ enabled: false, log });
    try {
      const apollo = await answers();
      expect(lean).toEqual(apollo);
      // The comparison is not vacuous: the answers hold data, not only errors.
      for (const answer of lean) expect(answer).toMatch(/^\{"data":\{/);
    } finally {
      installResultShaping({ enabled: true, log });
    }
  });
});

// Last: it stops a subgraph for good.
describe('a subgraph goes down', () => {
  it('answers with the data it has plus an error naming the subgraph, and stays up', async () => {
    await stack.stopSubgraph('medical-images');
    const { status, body } = await stack.query(SEED_QUERY, { name: SEED_MODEL_NAME });
    expect(status).toBe(200);
    const [model] = body.data!['models'] as Record<string, unknown>[];
    expect(model).toMatchObject({
      name: SEED_MODEL_NAME,
      version: '0.6.0-2006.4',
      medicalImages: null,
    });
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({
      message: 'Subgraph "medical-images" is unavailable',
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'medical-images' },
    });
    expect(JSON.stringify(body.errors)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    const health = await fetch(`${stack.gatewayUrl}/health`);
    expect(health.status).toBe(200);
    const other = await stack.query('{ models { name metrics { name } } }');
    expect(other.body.errors).toBeUndefined();
    const direct = await post(stack.gatewayUrl, '{ medicalImages { totalCount } }');
    expect(direct.body.data).toBeNull();
    expect(direct.body.errors![0]!.extensions!['serviceName']).toBe('medical-images');
  });
});
