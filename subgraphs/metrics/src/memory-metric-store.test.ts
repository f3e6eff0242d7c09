import { createMemoryMetricStore } from './memory-metric-store.js';
import { metricStoreContract } from './metric-store.contract.js';

metricStoreContract('memory', () => Promise.resolve(createMemoryMetricStore()));
