import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { MedfedError } from '#common/errors/medfed-error.js';
import type { Logger } from '#common/logging/create-logger.js';
import { DicomHeaderError, parseDicomHeader } from './dicom-header.js';
import {
  isCompatible,
  matchesFilter,
  type ImageFilter,
  type ImagePage,
  type ImageSource,
} from './image-source.js';
import { toImageRecord, type ImageRecord, type Pseudonyms } from './medical-image.js';

/** Most headers fit here; larger ones (big private blocks, embedded icons) trigger a full read. */
const HEADER_PREFIX_BYTES = 256 * 1024;
const PARALLEL_READS = 16;

export interface FolderIndexReport {
  readonly indexed: number;
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
}

interface Entry {
  readonly record: ImageRecord;
  readonly path: string;
  readonly sortKey: string;
}

/**
 * An image source over a directory tree of DICOM files. Every file is read once at start-up (up to
 * its pixel data); files that are not readable DICOM images are skipped with a warning naming the
 * file (relative to the root) and the reason. Nothing from the header but the indexed attributes
 * is kept, so patient identity stays in the files.
 */
export async function createFolderImageSource(options: {
  root: string;
  log: Logger;
  /** The site's pseudonyms for UIDs and patients (the de-identifier). */
  pseudonyms: Pseudonyms;
  name?: string;
}): Promise<ImageSource & { readonly report: FolderIndexReport }> {
  const name = options.name ?? 'folder';
  const { entries, report } = await indexFolder(
    options.root,
    name,
    options.log,
    options.pseudonyms,
  );
  const byId = new Map(entries.map((e) => [e.record.id, e]));

  return {
    name,
    report,
    getByIds: (ids) => Promise.resolve(ids.map((id) => byId.get(id)?.record)),

    async search(filter: ImageFilter, page) {
      const matching = entries.filter((e) => matchesFilter(e.record, filter));
      const after = page.after ? decodeCursor(page.after) : null;
      const start = after === null ? 0 : firstAfter(matching, after);
      const slice = matching.slice(start, start + page.first);
      const last = slice.at(-1);
      const result: ImagePage = {
        nodes: slice.map((e) => e.record),
        totalCount: matching.length,
        hasNextPage: start + slice.length < matching.length,
        endCursor: last ? encodeCursor(last.sortKey) : null,
      };
      return result;
    },

    findCompatible(requirements, limit) {
      return Promise.resolve(
        requirements.map((req) => {
          const out: ImageRecord[] = [];
          for (const e of entries) {
            if (out.length >= limit) break;
            if (isCompatible(e.record, req)) out.push(e.record);
          }
          return out;
        }),
      );
    },

    async open(id) {
      const entry = byId.get(id);
      if (!entry) return undefined;
      const { size } = await stat(entry.path);
      return { stream: createReadStream(entry.path), sizeBytes: size };
    },
  };
}

async function indexFolder(root: string, source: string, log: Logger, pseudonyms: Pseudonyms) {
  const files = (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile() && !d.name.startsWith('.'))
    .map((d) => join(d.parentPath, d.name))
    .sort();
  const skipped: { file: string; reason: string }[] = [];
  const byUid = new Map<string, Entry>();
  const results: (Entry | { skip: string })[] = new Array<Entry | { skip: string }>(files.length);

  let next = 0;
  async function worker() {
    while (next < files.length) {
      const i = next++;
      const path = files[i]!;
      try {
        const { header, size } = await readHeader(path);
        if (header.pixelDataEnd !== null && header.pixelDataEnd > size) {
          throw new DicomHeaderError(
            `truncated: pixel data needs ${header.pixelDataEnd} bytes, file has ${size}`,
          );
        }
        const record = toImageRecord(source, header, size, pseudonyms);
        results[i] = { record, path, sortKey: sortKeyOf(record) };
      } catch (error) {
        const reason =
          error instanceof DicomHeaderError
            ? error.reason
            : `unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
        results[i] = { skip: reason };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, files.length) }, worker));

  results.forEach((result, i) => {
    const file = relative(root, files[i]!).split(sep).join('/');
    if ('skip' in result) {
      skipped.push({ file, reason: result.skip });
      log.warn({ file, reason: result.skip }, 'skipping file: not a readable DICOM image');
      return;
    }
    const duplicate = byUid.get(result.record.sopInstanceUID);
    if (duplicate) {
      const reason = `duplicate SOP instance (also in ${relative(root, duplicate.path)})`;
      skipped.push({ file, reason });
      log.warn({ file, reason }, 'skipping file: duplicate instance');
      return;
    }
    byUid.set(result.record.sopInstanceUID, result);
  });

  const entries = [...byUid.values()].sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1));
  log.info({ root, indexed: entries.length, skipped: skipped.length }, 'image folder indexed');
  return { entries, report: { indexed: entries.length, skipped } };
}

async function readHeader(path: string) {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, HEADER_PREFIX_BYTES);
    const prefix = new Uint8Array(length);
    await handle.read(prefix, 0, length, 0);
    try {
      return { header: parseDicomHeader(prefix), size };
    } catch (error) {
      if (size <= length) throw error;
      const whole = new Uint8Array(size);
      await handle.read(whole, 0, size, 0);
      return { header: parseDicomHeader(whole), size };
    }
  } finally {
    await handle.close();
  }
}

function sortKeyOf(r: ImageRecord): string {
  const instance = String(r.instanceNumber ?? 0).padStart(10, '0');
  return `${r.studyInstanceUID}|${r.seriesInstanceUID}|${instance}|${r.id}`;
}

function firstAfter(entries: readonly Entry[], sortKey: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.sortKey <= sortKey) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const encodeCursor = (sortKey: string) => Buffer.from(sortKey).toString('base64url');

function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString();
  if (key.split('|').length !== 4) {
    throw new MedfedError('BAD_USER_INPUT', 'after: not a cursor returned by medicalImages');
  }
  return key;
}
