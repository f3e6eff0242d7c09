import { describe, expect, it } from 'vitest';
import type { MetricRecord, SubjectRef } from './metric.js';
import type { MetricStore } from './metric-store.js';

const image: SubjectRef = { type: 'MEDICAL_IMAGE', id: 'img-1' };
const model: SubjectRef = { type: 'MODEL', id: '1' };
const metric = (over: Partial<MetricRecord> = {}): MetricRecord => ({
  name: 'tumor_volume',
  value: 1234.5,
  unit: 'mm3',
  source: 'brain-tumor-pipeline@1',
  computedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

/** One suite, run against every MetricStore adapter (memory and DynamoDB). */
export function metricStoreContract(name: string, makeStore: () => Promise<MetricStore>) {
  describe(`MetricStore contract: ${name}`, () => {
    it('returns each subject its own metrics, sorted, and [] for unknown subjects', async () => {
      const store = await makeStore();
      await store.record(image, metric());
      await store.record(image, metric({ name: 'enhancing_fraction', value: 0.4, unit: '1' }));
      await store.record(model, metric({ name: 'dice', value: 0.81, unit: '1', source: 'eval' }));
      const [forImage, unknown, forModel] = await store.getForSubjects([
        image,
        { type: 'MODEL', id: 'nope' },
        model,
      ]);
      expect(forImage!.map((m) => m.name)).toEqual(['enhancing_fraction', 'tumor_volume']);
      expect(unknown).toEqual([]);
      expect(forModel).toEqual([metric({ name: 'dice', value: 0.81, unit: '1', source: 'eval' })]);
    });

    it('keeps the latest computation per (source, name)', async () => {
      const store = await makeStore();
      await store.record(image, metric({ value: 1, computedAt: '2026-02-01T00:00:00.000Z' }));
      const kept = await store.record(image, metric({ value: 2 })); // computed earlier
      expect(kept.value).toBe(1);
      await store.record(image, metric({ value: 3, computedAt: '2026-03-01T00:00:00.000Z' }));
      await store.record(image, metric({ value: 9, source: 'other' }));
      const [got] = await store.getForSubjects([image]);
      expect(got!.map((m) => [m.source, m.value])).toEqual([
        ['brain-tumor-pipeline@1', 3],
        ['other', 9],
      ]);
    });

    it('loses nothing when many metrics of one subject are written concurrently', async () => {
      const store = await makeStore();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.record(image, metric({ name: `m${i}` }))),
      );
      const [got] = await store.getForSubjects([image]);
      expect(got).toHaveLength(20);
    });
  });
}
