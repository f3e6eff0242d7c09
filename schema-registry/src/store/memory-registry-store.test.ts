import { createMemoryRegistryStore } from './memory-registry-store.js';
import { registryStoreContract } from './registry-store.contract.js';

registryStoreContract('memory', () => Promise.resolve(createMemoryRegistryStore()));
