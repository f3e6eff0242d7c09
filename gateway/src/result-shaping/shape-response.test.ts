import { buildSchema, parseOperation } from '@apollo/federation-internals';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { apolloResultShaping, SHAPING_VERIFIED_FOR } from './install-result-shaping.js';
import { shapeResponse, type ShapeArgs, type ShapeResult } from './shape-response.js';

// A schema with every shape the gateway shapes: interfaces, unions, enums, custom scalars,
// lists of lists, non-null at every level.
const schema = buildSchema(`
  scalar JSON
  enum Modality { MR CT XR }
  interface Node { id: ID! }
  type Image implements Node { id: ID! modality: Modality url: String size: Int! spacing: [Float!] meta: JSON series: Series }
  type Series implements Node { id: ID! images: [Image!]! tags: [[String]] count: Int }
  type Model implements Node { id: ID! name: String! version: String score: Float images(first: Int): [Image] }
  union Result = Image | Model
  type Query {
    node(id: ID!): Node
    nodes: [Node]
    models: [Model!]!
    search: [Result!]
    image: Image!
    flag: Boolean
    total: Int!
  }
`);

const { original, version } = apolloResultShaping();

/** What a client can see of a shaping: the JSON, and each error's message, path and code. */
function outcome(shape: () => ShapeResult): unknown {
  try {
    const { data, errors } = shape();
    return {
      json: JSON.stringify(data),
      errors: errors.map((e) => ({ message: e.message, path: e.path, code: e.extensions['code'] })),
    };
  } catch (error) {
    return {
      threw: error instanceof GraphQLError ? `GraphQLError ${error.message}` : String(error),
    };
  }
}

function both(query: string, input: unknown, variables?: Record<string, unknown>) {
  const args = (): ShapeArgs => {
    let calls = 0;
    return {
      operation: parseOperation(schema, query),
      variables,
      input: input as ShapeArgs['input'],
      introspectionHandling: (selection) => ({ introspected: selection.element.name, n: ++calls }),
    };
  };
  let fellBack = false;
  const ours = outcome(() =>
    shapeResponse(args(), (a) => {
      fellBack = true;
      return original(a);
    }),
  );
  return { ours, apollo: outcome(() => original(args())), fellBack };
}

describe('lean result shaping gives exactly the answers of @apollo/gateway', () => {
  it('is checked against the @apollo/gateway release installed', () => {
    expect(version).toBe(SHAPING_VERIFIED_FOR);
  });

  const cases: [string, string, unknown, Record<string, unknown>?][] = [
    [
      'plain fields, in the order asked, with extra subgraph fields dropped',
      '{ models { name id images(first: 2) { url id } } }',
      {
        models: [
          {
            __typename: 'Model',
            id: '1',
            name: 'seg',
            version: 'x',
            images: [
              { id: 'a', url: 'u', __typename: 'Image', size: 3 },
              { id: 'b', url: null },
            ],
          },
        ],
      },
    ],
    [
      'aliases and the same field twice merge into one object',
      '{ m: models { id } models { name } again: models { id } m: models { name } }',
      { m: [{ id: '1', name: 'x' }], models: [{ name: 'y' }], again: [{ id: '2' }] },
    ],
    [
      'fragments on interfaces and unions, by __typename',
      '{ nodes { id ... on Image { url } ... on Model { name } ... on Series { count } } search { __typename ... on Image { id } ... on Model { name } } }',
      {
        nodes: [
          { __typename: 'Image', id: 'i', url: 'u', name: 'no' },
          { __typename: 'Model', id: 'm', name: 'n' },
          null,
          { __typename: 'Series', id: 's', count: 4 },
        ],
        search: [
          { __typename: 'Model', name: 'n', id: 'x' },
          { __typename: 'Image', id: 'i' },
        ],
      },
    ],
    [
      '__typename aliased, and taken from the parent type when missing',
      '{ image { t: __typename __typename id } models { kind: __typename } }',
      { image: { id: 'i' }, models: [{ __typename: 'Model' }] },
    ],
    [
      'null in a non-null field bubbles to the nearest nullable parent',
      '{ nodes { id } image { id size } }',
      { nodes: [{ __typename: 'Image', id: null }], image: { id: 'i', size: null } },
    ],
    [
      'null in a non-null list element nulls the list, errors once',
      '{ search { ... on Image { id } } models { images { id } } }',
      {
        search: [{ __typename: 'Image', id: 'a' }, null, null],
        models: [{ images: [{ id: 'x' }, { id: null }] }],
      },
    ],
    [
      'invalid leaf values: wrong type, bad enum, non-integer Int, NaN-like floats',
      '{ image { id modality url size spacing meta series { tags count } } }',
      {
        image: {
          id: 1.5,
          modality: 'PET',
          url: 5,
          size: 1.5,
          spacing: [1, '2', true],
          meta: { any: ['thing'] },
          series: { tags: [['a', 1], null, [null]], count: '3' },
        },
      },
    ],
    [
      'valid leaf values of every kind',
      '{ image { id modality url size spacing meta } flag total }',
      {
        image: {
          id: 7,
          modality: 'MR',
          url: 'u',
          size: -3,
          spacing: [0.5, 2],
          meta: null,
        },
        flag: false,
        total: 0,
      },
    ],
    [
      'an unknown __typename',
      '{ nodes { id } node(id: "1") { id } }',
      { nodes: [{ __typename: 'Nope', id: '1' }], node: { __typename: 'Modality', id: '2' } },
    ],
    [
      '@skip and @include, literal and by variable',
      'query Q($s: Boolean!, $i: Boolean = true) { image { id @skip(if: $s) url @include(if: $i) size @skip(if: false) ... on Image @include(if: false) { modality } } }',
      { image: { id: 'i', url: 'u', size: 1, modality: 'MR' } },
      { s: true },
    ],
    [
      'root fields missing or null, and a non-null root field null',
      '{ flag total nodes }',
      { flag: null },
    ],
    [
      'introspection fields are answered by the handler, once per response name',
      '{ __typename models { id } __schema { queryType { name } } s: __schema { types { name } } ... on Query { __schema { types { name } } } }',
      { models: [] },
    ],
    [
      '__typename inside a fragment on an interface names the concrete type',
      '{ nodes { ... on Node { __typename t: __typename id } } search { ... on Image { kind: __typename } } }',
      {
        nodes: [
          { __typename: 'Image', id: '1' },
          { __typename: 'Series', id: '2', t: 'Model' },
        ],
        search: [{ __typename: 'Image' }],
      },
    ],
    [
      '__typename at the root, and an aliased one sent under its alias',
      '{ __typename r: __typename image { t: __typename } }',
      { __typename: 'Query', r: 'Image', image: { __typename: 'Image', t: 'Series' } },
    ],
    [
      'malformed subgraph data (a string for an object) fails as in Apollo',
      '{ image { id } }',
      { image: 'oops' },
    ],
    [
      'malformed subgraph data (an object for a list) fails as in Apollo',
      '{ models { id } }',
      { models: { id: '1' } },
    ],
    ['an empty answer', '{ models { id } }', null],
  ];
  it.each(cases)('%s', (_name, query, input, variables) => {
    const { ours, apollo } = both(query, input, variables);
    expect(ours).toEqual(apollo);
  });

  it('leaves the input as it found it', () => {
    const input = { models: [{ id: '1', name: null, extra: 1 }] };
    const before = JSON.stringify(input);
    shapeResponse(
      {
        operation: parseOperation(schema, '{ models { name id } }'),
        input,
        introspectionHandling: () => null,
      },
      original,
    );
    expect(JSON.stringify(input)).toBe(before);
  });

  it('falls back to Apollo only for what Apollo treats as malformed', () => {
    expect(both('{ image { id } }', { image: 'oops' }).fellBack).toBe(true);
    expect(both('{ image { id } }', { image: { id: 'x' } }).fellBack).toBe(false);
    expect(both('{ __proto__: image { id } }', { __proto__: { id: 'x' } }).fellBack).toBe(true);
  });

  // Random data of every shape (right and wrong types, nulls, missing fields, unknown and wrong
  // __typenames, wrong list lengths) against queries with fragments, aliases and repeats.
  const queries = [
    '{ models { id name version score images(first: 2) { id modality url size spacing meta series { id count tags images { id } } } } }',
    '{ nodes { __typename id ... on Image { url size modality } ... on Model { name n2: name images { id } } ... on Node { id } } }',
    '{ search { ... on Image { id series { images { size } } } ... on Model { version } } image { id meta } flag total }',
    'query V($k: Boolean!) { image { id @include(if: $k) url @skip(if: $k) series { tags } } node(id: "x") { id ... on Series { count tags } } }',
    '{ nodes { ... on Node { __typename id t: __typename } ... on Image { series { __typename } } } search { ... on Model { __typename } } }',
  ];
  it('matches on 5 000 random answers', () => {
    // mulberry32: a small seeded generator, so a failure can be replayed.
    let seed = 20261122;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    const wrong = () =>
      pick<unknown>(['a', 'MR', 'PET', '', 7, -2, 1.5, 0, true, null, { x: 1 }, ['l'], undefined]);
    // Mostly what the schema says (so the shaping goes deep), sometimes anything at all.
    const int = () => Math.floor(random() * 2000) - 1000;
    const leaves: Record<string, () => unknown> = {
      ID: () => (random() < 0.5 ? `id-${int()}` : int()),
      String: () => `s${int()}`,
      Int: int,
      Float: () => int() / 8,
      Boolean: () => random() < 0.5,
      Modality: () => pick(['MR', 'CT', 'XR']),
      JSON: () => ({ j: int() }),
    };
    const valueOf = (spec: string, depth: number): unknown => {
      if (random() < 0.04) return wrong();
      if (spec.endsWith('!')) return valueOf(spec.slice(0, -1), depth);
      if (spec.startsWith('['))
        return depth > 4
          ? []
          : Array.from({ length: Math.floor(random() * 4) }, () =>
              valueOf(spec.slice(1, -1), depth + 1),
            );
      const leaf = leaves[spec];
      if (leaf) return leaf();
      const typename = ['Node', 'Result'].includes(spec)
        ? pick(['Image', 'Model', 'Series'])
        : spec;
      const object: Record<string, unknown> = {};
      const t = random() < 0.1 ? pick<unknown>(['Nope', 'Node', 3, undefined]) : typename;
      if (t !== undefined && random() < 0.8) object['__typename'] = t;
      for (const [field, fieldSpec] of Object.entries(fieldsOf[typename] ?? {}))
        if (random() < 0.9) object[field] = depth > 4 ? null : valueOf(fieldSpec, depth + 1);
      return object;
    };
    const fieldsOf: Record<string, Record<string, string>> = {
      Image: {
        id: 'ID!',
        modality: 'Modality',
        url: 'String',
        size: 'Int!',
        spacing: '[Float!]',
        meta: 'JSON',
        series: 'Series',
      },
      Series: { id: 'ID!', images: '[Image!]!', tags: '[[String]]', count: 'Int' },
      Model: { id: 'ID!', name: 'String!', n2: 'String!', version: 'String', score: 'Float' },
      Query: {
        node: 'Node',
        nodes: '[Node]',
        models: '[Model!]!',
        search: '[Result!]',
        image: 'Image!',
        flag: 'Boolean',
        total: 'Int!',
      },
    };
    fieldsOf['Model']!['images'] = '[Image]';
    let fellBack = 0;
    const outcomes = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const query = queries[i % queries.length]!;
      const input = valueOf('Query', 0);
      const run = both(query, input, { k: random() < 0.5 });
      expect(run.ours, `${query}\n${JSON.stringify(input)}`).toEqual(run.apollo);
      if (run.fellBack) fellBack++;
      outcomes.add(JSON.stringify(run.ours));
    }
    // The lean path itself shaped most of them, and they were not all alike.
    expect(fellBack).toBeLessThan(1200);
    expect(outcomes.size).toBeGreaterThan(1500);
  });
});
