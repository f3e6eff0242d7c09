import DataLoader from 'dataloader';
import type { ResolverMap } from '#common/graphql/resolver-map.js';
import type { z } from 'zod';
import type { Identity } from '#common/auth/identity-token.js';
import { requireScope, SCOPES } from '#common/auth/require-scope.js';
import { MedfedError } from '#common/errors/medfed-error.js';
import { newModelSchema, type ModelRecord } from './model.js';
import type { ModelFilter, ModelStore } from './model-store.js';

export interface AiModelsContext {
  readonly store: ModelStore;
  readonly identity: Identity;
  /** Per-request loader: all Model references of one subgraph request → one store call. */
  readonly modelById: DataLoader<string, ModelRecord | undefined>;
}

export function createAiModelsContext(store: ModelStore, identity: Identity): AiModelsContext {
  return {
    store,
    identity,
    modelById: new DataLoader((ids) => store.getByIds(ids), { maxBatchSize: 10_000 }),
  };
}

export const resolvers: ResolverMap = {
  Query: {
    models: (_: unknown, args: ModelFilter, ctx: AiModelsContext) => ctx.store.find(args),
    model: (_: unknown, args: { id: string }, ctx: AiModelsContext) => ctx.modelById.load(args.id),
  },
  Mutation: {
    registerModel: (_: unknown, args: { input: unknown }, ctx: AiModelsContext) => {
      requireScope(ctx.identity, SCOPES.MODELS_WRITE, 'registerModel');
      const parsed = newModelSchema.safeParse(args.input);
      if (!parsed.success) {
        throw new MedfedError('BAD_USER_INPUT', describeIssues(parsed.error), {
          fields: parsed.error.issues.map((i) => i.path.join('.')),
        });
      }
      return ctx.store.register(parsed.data);
    },
  },
  Model: {
    __resolveReference: (ref: { id: string }, ctx: AiModelsContext) => ctx.modelById.load(ref.id),
  },
};

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
