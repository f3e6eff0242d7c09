import { byNameThenSource, subjectKey, type MetricRecord } from './metric.js';
import { metricKey, type MetricStore } from './metric-store.js';

/** In-memory MetricStore for unit tests. */
export function createMemoryMetricStore(): MetricStore {
  const subjects = new Map<string, Map<string, MetricRecord>>();
  return {
    getForSubjects: (refs) =>
      Promise.resolve(
        refs.map((r) => [...(subjects.get(subjectKey(r))?.values() ?? [])].sort(byNameThenSource)),
      ),
    record(subject, metric) {
      const key = subjectKey(subject);
      const metrics = subjects.get(key) ?? new Map<string, MetricRecord>();
      subjects.set(key, metrics);
      const stored = metrics.get(metricKey(metric));
      if (stored && stored.computedAt > metric.computedAt) return Promise.resolve(stored);
      metrics.set(metricKey(metric), metric);
      return Promise.resolve(metric);
    },
  };
}
