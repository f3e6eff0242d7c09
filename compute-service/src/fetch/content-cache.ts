import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A content-addressed download cache shared by workers: each source URL is fetched once (a file
 * named by the URL's hash, signing parameters aside, points to the content's sha256), content is stored once by its sha256,
 * and concurrent requests for the same URL in one process share one download. An expected sha256
 * (a model's) is checked before anything is stored.
 */
export type ContentCache = ReturnType<typeof createContentCache>;

export function createContentCache(options: {
  dir: string;
  fetch: (url: string) => Promise<Uint8Array>;
}) {
  const inflight = new Map<string, Promise<{ sha256: string; bytes: Uint8Array }>>();
  const hash = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
  const objectPath = (sha256: string) => join(options.dir, 'objects', sha256.slice(0, 2), sha256);
  const urlPath = (url: string) => join(options.dir, 'urls', hash(sourceKey(url)));

  async function atomicWrite(path: string, data: string | Uint8Array) {
    await mkdir(join(path, '..'), { recursive: true });
    const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temp, data);
    await rename(temp, path);
  }

  async function load(url: string, expectedSha256?: string) {
    const known = await readFile(urlPath(url), 'utf8').catch(() => undefined);
    if (known) {
      const bytes = await readFile(objectPath(known)).catch(() => undefined);
      if (bytes && hash(bytes) === known && (!expectedSha256 || known === expectedSha256)) {
        return { sha256: known, bytes: new Uint8Array(bytes), fetched: false };
      }
    }
    const bytes = await options.fetch(url);
    const sha256 = hash(bytes);
    if (expectedSha256 && sha256 !== expectedSha256) {
      throw new Error(
        `checksum mismatch for ${url.split('?')[0]}: expected sha256 ${expectedSha256}, got ${sha256}`,
      );
    }
    await atomicWrite(objectPath(sha256), bytes);
    await atomicWrite(urlPath(url), sha256);
    return { sha256, bytes, fetched: true };
  }

  return {
    /** Content already in the cache, by its sha256 (verified), or undefined. */
    async bySha256(sha256: string): Promise<Uint8Array | undefined> {
      if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
      const bytes = await readFile(objectPath(sha256)).catch(() => undefined);
      return bytes && hash(bytes) === sha256 ? new Uint8Array(bytes) : undefined;
    },

    /** The bytes behind `url`, fetched at most once; `fetched` says whether this call downloaded. */
    get(url: string, expectedSha256?: string) {
      const key = `${sourceKey(url)}\0${expectedSha256 ?? ''}`;
      let pending = inflight.get(key);
      if (!pending) {
        pending = load(url, expectedSha256).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      return pending;
    },
  };
}

/**
 * What identifies a source: the URL without the parameters that only sign it (medfed's image
 * links carry `expires` and `signature`), so a re-signed link to the same image is a cache hit,
 * while query-addressed sources (WADO-URI's `?objectUID=…`) stay distinct.
 */
function sourceKey(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('expires');
  u.searchParams.delete('signature');
  u.searchParams.sort();
  return u.toString();
}
