import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { checkKey, type ObjectStore, type S3Location } from './object-store.js';

/**
 * The S3 object store (AWS S3, or any S3-API store: MinIO, Ceph, s3rver in tests). PutObject is
 * atomic per object, as the port requires. Credentials come from the SDK's usual chain.
 */
export function createS3ObjectStore(location: S3Location): ObjectStore {
  const client = new S3Client({
    region: location.region,
    forcePathStyle: location.forcePathStyle,
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
  });
  const key = (k: string) => `${location.prefix}${checkKey(k)}`;
  return {
    location,
    async put(k, body) {
      await client.send(
        new PutObjectCommand({
          Bucket: location.bucket,
          Key: key(k),
          Body: typeof body === 'string' ? Buffer.from(body) : body,
        }),
      );
    },
    async get(k) {
      try {
        const out = await client.send(
          new GetObjectCommand({ Bucket: location.bucket, Key: key(k) }),
        );
        return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
    async exists(k) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: key(k) }));
        return true;
      } catch (error) {
        if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound')
          return false;
        throw error;
      }
    },
    async list(prefix) {
      // Pages follow each other by StartAfter (the last key seen), which every S3-API store
      // implements the same way.
      const keys: string[] = [];
      const base = `${key(prefix.replace(/\/$/, ''))}/`;
      let after: string | undefined;
      for (;;) {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: location.bucket,
            Prefix: base,
            ...(after ? { StartAfter: after } : {}),
          }),
        );
        const contents = page.Contents ?? [];
        for (const o of contents) if (o.Key) keys.push(o.Key.slice(location.prefix.length));
        after = contents.at(-1)?.Key;
        if (!page.IsTruncated || !after) break;
      }
      return keys.sort();
    },
  };
}
