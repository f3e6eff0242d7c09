import type { MetricRecord, SubjectRef } from './metric.js';

/**
 * The port behind the metrics subgraph: the latest value per (subject, source, name).
 * Adapters: DynamoDB and in-memory; both pass metric-store.contract.ts.
 */
export interface MetricStore {
  /** One backend round for any number of subjects; result i answers subjects[i]. */
  getForSubjects(subjects: readonly SubjectRef[]): Promise<MetricRecord[][]>;
  /** Stores the metric unless a later-computed value is already stored; returns what is stored. */
  record(subject: SubjectRef, metric: MetricRecord): Promise<MetricRecord>;
}

export const metricKey = (m: Pick<MetricRecord, 'source' | 'name'>) => `${m.source}|${m.name}`;
