/**
 * Object storage for stage outputs and results (shared by the API and every worker). Keys are
 * `/`-separated paths. Writes are whole-object and atomic: a reader sees the old object or the
 * new one, never half of one, so a stage killed mid-write leaves nothing behind.
 */
export interface ObjectStore {
  readonly put: (key: string, body: Uint8Array | string) => Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  readonly get: (key: string) => Promise<Uint8Array | undefined>;
  readonly exists: (key: string) => Promise<boolean>;
  /** Keys under a prefix (recursively), sorted. */
  readonly list: (prefix: string) => Promise<string[]>;
  /** Where the store lives (plain data: worker threads open their own store from it). */
  readonly location: StorageLocation;
}

export interface S3Location {
  readonly kind: 's3';
  readonly bucket: string;
  /** Key prefix inside the bucket ('' or ending in '/'). */
  readonly prefix: string;
  readonly region: string;
  /** An S3-API endpoint other than AWS (MinIO, Ceph, s3rver). */
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
}

export type StorageLocation = { readonly kind: 'fs'; readonly dir: string } | S3Location;

/** Refuses keys that could escape the store (absolute, `..`, empty segments, odd characters). */
export function checkKey(key: string): string {
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').includes('..')) {
    throw new Error(`invalid object key: ${key}`);
  }
  return key;
}
