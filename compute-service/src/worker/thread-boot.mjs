// Entry of a stage thread: worker threads do not inherit tsx's loader, so register it here
// before importing the TypeScript thread module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
