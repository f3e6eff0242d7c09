import { createMemoryModelStore } from './memory-model-store.js';
import { modelStoreContract } from './model-store.contract.js';

modelStoreContract('memory', () => Promise.resolve(createMemoryModelStore()));
