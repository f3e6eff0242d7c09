import { createFsObjectStore } from './fs-object-store.js';
import type { ObjectStore, StorageLocation } from './object-store.js';
import { createS3ObjectStore } from './s3-object-store.js';

/** The object store a configuration names: a directory (default) or an S3 bucket. */
export function openObjectStore(location: StorageLocation): ObjectStore {
  return location.kind === 's3' ? createS3ObjectStore(location) : createFsObjectStore(location.dir);
}
