import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { checkKey, type ObjectStore } from './object-store.js';

/** The filesystem object store (the default): one file per object, written via rename. */
export function createFsObjectStore(dir: string): ObjectStore {
  const path = (key: string) => join(dir, checkKey(key));
  return {
    location: { kind: 'fs', dir },
    async put(key, body) {
      const target = path(key);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.${randomBytes(6).toString('hex')}.part`;
      await writeFile(temp, body);
      await rename(temp, target);
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(path(key)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async exists(key) {
      return stat(path(key)).then(
        (s) => s.isFile(),
        () => false,
      );
    },
    async list(prefix) {
      const root = join(dir, checkKey(prefix.replace(/\/$/, '')));
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile() && !e.name.endsWith('.part'))
        .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
        .sort();
    },
  };
}
