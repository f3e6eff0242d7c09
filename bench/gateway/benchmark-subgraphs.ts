/**
 * A Node port of the standard federation gateway benchmark's subgraphs (accounts, inventory,
 * products, reviews — the Apollo federation demo schema with `@requires` and `@provides`), over
 * generated data, each served by a minimal HTTP server (node:http + graphql-js with a parse and
 * validate cache), so the gateways are what is measured.
 */
import { createServer, type Server } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { gql } from 'graphql-tag';

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@external", "@requires", "@provides", "@shareable"])`;

export interface BenchData {
  readonly users: { id: string; name: string; username: string; birthday: number }[];
  readonly products: { upc: string; name: string; price: number; weight: number }[];
  readonly inventory: { upc: string; inStock: boolean }[];
  readonly reviews: { id: string; body: string; authorId: string; upc: string }[];
}

/** Deterministic data: `users` users, `products` products, each user reviewing 3 products. */
export function generateData(users = 10, products = 10): BenchData {
  return {
    users: Array.from({ length: users }, (_, i) => ({
      id: String(i + 1),
      name: `User ${i + 1}`,
      username: `@user${i + 1}`,
      birthday: 1_000_000 + i * 86_400,
    })),
    products: Array.from({ length: products }, (_, i) => ({
      upc: String(i + 1),
      name: `Product ${i + 1}`,
      price: 100 + i * 7,
      weight: 10 + (i % 5),
    })),
    inventory: Array.from({ length: products }, (_, i) => ({
      upc: String(i + 1),
      inStock: i % 3 !== 0,
    })),
    reviews: Array.from({ length: users * 3 }, (_, i) => ({
      id: String(i + 1),
      body: `Review ${i + 1}`,
      authorId: String((i % users) + 1),
      upc: String(((i * 7) % products) + 1),
    })),
  };
}

export function benchmarkSubgraphs(data: BenchData): { name: string; schema: GraphQLSchema }[] {
  const userById = new Map(data.users.map((u) => [u.id, u]));
  const productByUpc = new Map(data.products.map((p) => [p.upc, p]));
  const stockByUpc = new Map(data.inventory.map((p) => [p.upc, p]));
  return [
    {
      name: 'accounts',
      schema: buildSubgraphSchema({
        typeDefs: gql(`${LINK}
          type Query { me: User users: [User] user(id: ID!): User }
          type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }`),
        resolvers: {
          Query: {
            me: () => data.users[0],
            users: () => data.users,
            user: (_: unknown, { id }: { id: string }) => userById.get(id),
          },
          User: { __resolveReference: (ref: { id: string }) => userById.get(ref.id) },
        },
      }),
    },
    {
      name: 'inventory',
      schema: buildSubgraphSchema({
        typeDefs: gql(`${LINK}
          type Product @key(fields: "upc") {
            upc: String!
            weight: Int @external
            price: Int @external
            inStock: Boolean
            shippingEstimate: Int @requires(fields: "price weight")
          }`),
        resolvers: {
          Product: {
            __resolveReference: (ref: { upc: string; price?: number; weight?: number }) => ({
              ...ref,
              inStock: stockByUpc.get(ref.upc)?.inStock ?? false,
            }),
            // Free for expensive items, otherwise estimated from weight.
            shippingEstimate: (p: { price: number; weight: number }) =>
              p.price > 1000 ? 0 : Math.round(p.weight * 0.5),
          },
        },
      }),
    },
    {
      name: 'products',
      schema: buildSubgraphSchema({
        typeDefs: gql(`${LINK}
          type Query { topProducts(first: Int = 5): [Product] }
          type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`),
        resolvers: {
          Query: {
            topProducts: (_: unknown, { first }: { first: number }) =>
              data.products.slice(0, first),
          },
          Product: { __resolveReference: (ref: { upc: string }) => productByUpc.get(ref.upc) },
        },
      }),
    },
    {
      name: 'reviews',
      schema: buildSubgraphSchema({
        typeDefs: gql(`${LINK}
          type Review @key(fields: "id") { id: ID! body: String author: User @provides(fields: "username") product: Product }
          type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
          type Product @key(fields: "upc") { upc: String! reviews: [Review] }`),
        resolvers: {
          Review: {
            author: (r: { authorId: string }) => ({
              __typename: 'User',
              id: r.authorId,
              username: userById.get(r.authorId)?.username,
            }),
            product: (r: { upc: string }) => ({ __typename: 'Product', upc: r.upc }),
          },
          User: {
            __resolveReference: (ref: { id: string }) => ({
              ...ref,
              username: userById.get(ref.id)?.username,
            }),
            reviews: (u: { id: string }) => data.reviews.filter((r) => r.authorId === u.id),
            username: (u: { id: string; username?: string }) =>
              u.username ?? userById.get(u.id)?.username,
          },
          Product: { reviews: (p: { upc: string }) => data.reviews.filter((r) => r.upc === p.upc) },
        },
      }),
    },
  ];
}

/** The benchmark's deep nested query. */
export const DEEP_QUERY = /* GraphQL */ `
  fragment User on User {
    id
    username
    name
  }
  fragment Review on Review {
    id
    body
  }
  fragment Product on Product {
    inStock
    name
    price
    shippingEstimate
    upc
    weight
  }
  query TestQuery {
    users {
      ...User
      reviews {
        ...Review
        product {
          ...Product
          reviews {
            ...Review
            author {
              ...User
              reviews {
                ...Review
                product {
                  ...Product
                }
              }
            }
          }
        }
      }
    }
    topProducts {
      ...Product
      reviews {
        ...Review
        author {
          ...User
          reviews {
            ...Review
            product {
              ...Product
            }
          }
        }
      }
    }
  }
`;

/** The deep query's answer computed straight from the data (no GraphQL): what "complete and correct" means. */
export function expectedDeepResult(data: BenchData) {
  const user = (id: string) => {
    const u = data.users.find((x) => x.id === id)!;
    return { id: u.id, username: u.username, name: u.name };
  };
  const product = (upc: string) => {
    const p = data.products.find((x) => x.upc === upc)!;
    return {
      inStock: data.inventory.find((x) => x.upc === upc)!.inStock,
      name: p.name,
      price: p.price,
      shippingEstimate: p.price > 1000 ? 0 : Math.round(p.weight * 0.5),
      upc: p.upc,
      weight: p.weight,
    };
  };
  const reviewsBy = (id: string) => data.reviews.filter((r) => r.authorId === id);
  const reviewsOf = (upc: string) => data.reviews.filter((r) => r.upc === upc);
  const authorWithReviews = (id: string) => ({
    ...user(id),
    reviews: reviewsBy(id).map((r) => ({ id: r.id, body: r.body, product: product(r.upc) })),
  });
  return {
    data: {
      users: data.users.map((u) => ({
        ...user(u.id),
        reviews: reviewsBy(u.id).map((r) => ({
          id: r.id,
          body: r.body,
          product: {
            ...product(r.upc),
            reviews: reviewsOf(r.upc).map((r2) => ({
              id: r2.id,
              body: r2.body,
              author: authorWithReviews(r2.authorId),
            })),
          },
        })),
      })),
      topProducts: data.products.slice(0, 5).map((p) => ({
        ...product(p.upc),
        reviews: reviewsOf(p.upc).map((r) => ({
          id: r.id,
          body: r.body,
          author: authorWithReviews(r.authorId),
        })),
      })),
    },
  };
}

/** Serves one subgraph schema at /graphql on 127.0.0.1 (port 0): JSON POST, cached parse/validate. */
export async function serveSubgraph(
  schema: GraphQLSchema,
): Promise<{ url: string; server: Server }> {
  const documents = new Map<string, DocumentNode>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      void (async () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as {
            query: string;
            variables?: Record<string, unknown>;
            operationName?: string;
          };
          let document = documents.get(body.query);
          if (!document) {
            document = parse(body.query);
            const errors = validate(schema, document);
            if (errors.length) {
              response
                .writeHead(400, { 'content-type': 'application/json' })
                .end(JSON.stringify({ errors }));
              return;
            }
            if (documents.size < 1000) documents.set(body.query, document);
          }
          const result = await execute({
            schema,
            document,
            variableValues: body.variables ?? null,
            operationName: body.operationName ?? null,
          });
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify(result));
        } catch (error) {
          response
            .writeHead(400, { 'content-type': 'application/json' })
            .end(JSON.stringify({ errors: [{ message: (error as Error).message }] }));
        }
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/graphql`, server };
}
