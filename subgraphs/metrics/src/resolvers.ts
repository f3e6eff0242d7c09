import DataLoader from 'dataloader';
import type { ResolverMap } from '#common/graphql/resolver-map.js';
import type { Identity } from '#common/auth/identity-token.js';
import { requireScope, SCOPES } from '#common/auth/require-scope.js';
import { MedfedError } from '#common/errors/medfed-error.js';
import {
  recordMetricSchema,
  subjectKey,
  toMetricRecord,
  type MetricRecord,
  type SubjectRef,
  type SubjectType,
} from './metric.js';
import type { MetricStore } from './metric-store.js';

export interface MetricsContext {
  readonly store: MetricStore;
  readonly identity: Identity;
  /** All metrics of all subjects referenced in one subgraph request → one store call. */
  readonly metricsOf: DataLoader<SubjectRef, MetricRecord[], string>;
}

export function createMetricsContext(store: MetricStore, identity: Identity): MetricsContext {
  return {
    store,
    identity,
    metricsOf: new DataLoader((subjects) => store.getForSubjects(subjects), {
      cacheKeyFn: subjectKey,
      maxBatchSize: 10_000,
    }),
  };
}

const withName = (metrics: MetricRecord[], name?: string | null) =>
  name == null ? metrics : metrics.filter((m) => m.name === name);

const subjectMetrics =
  (type: SubjectType) =>
  async (parent: { id: string }, args: { name?: string | null }, ctx: MetricsContext) =>
    withName(await ctx.metricsOf.load({ type, id: parent.id }), args.name);

export const resolvers: ResolverMap = {
  Query: {
    metrics: async (
      _: unknown,
      args: { subjectType: SubjectType; subjectId: string; name?: string | null },
      ctx: MetricsContext,
    ) =>
      withName(await ctx.metricsOf.load({ type: args.subjectType, id: args.subjectId }), args.name),
  },
  Mutation: {
    recordMetric: (_: unknown, args: { input: unknown }, ctx: MetricsContext) => {
      requireScope(ctx.identity, SCOPES.METRICS_WRITE, 'recordMetric');
      const parsed = recordMetricSchema.safeParse(args.input);
      if (!parsed.success) {
        throw new MedfedError(
          'BAD_USER_INPUT',
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          { fields: parsed.error.issues.map((i) => i.path.join('.')) },
        );
      }
      const input = parsed.data;
      return ctx.store.record(
        { type: input.subjectType, id: input.subjectId },
        toMetricRecord(input, new Date()),
      );
    },
  },
  Model: {
    __resolveReference: (ref: { id: string }) => ref,
    metrics: subjectMetrics('MODEL'),
  },
  MedicalImage: {
    __resolveReference: (ref: { id: string }) => ref,
    metrics: subjectMetrics('MEDICAL_IMAGE'),
  },
};
