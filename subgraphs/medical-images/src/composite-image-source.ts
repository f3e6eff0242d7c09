import { MedfedError } from '#common/errors/medfed-error.js';
import type { ImageSource } from './image-source.js';
import type { ImageRecord } from './medical-image.js';

/**
 * Several archives behind one subgraph, queried in the configured order. Image ids carry their
 * source's name (see imageIdFor), so every id is answered by the source that minted it.
 */
export function compositeImageSource(sources: readonly ImageSource[]): ImageSource {
  if (sources.length === 1) return sources[0]!;
  return {
    name: sources.map((s) => s.name).join('+'),

    async getByIds(ids) {
      const found = new Map<string, ImageRecord>();
      let missing = [...new Set(ids)];
      for (const source of sources) {
        if (missing.length === 0) break;
        const got = await source.getByIds(missing);
        got.forEach((r) => r && found.set(r.id, r));
        missing = missing.filter((id) => !found.has(id));
      }
      return ids.map((id) => found.get(id));
    },

    async search(filter, page) {
      const counts = await Promise.all(
        sources.map((s) => s.search(filter, { first: 0 }).then((p) => p.totalCount)),
      );
      let { k, c } = page.after ? decode(page.after) : { k: 0, c: null as string | null };
      const nodes: ImageRecord[] = [];
      let endCursor: string | null = null;
      while (k < sources.length && nodes.length < page.first) {
        const inner = await sources[k]!.search(filter, {
          first: page.first - nodes.length,
          after: c,
        });
        nodes.push(...inner.nodes);
        if (inner.nodes.length) endCursor = encode(k, inner.endCursor);
        if (inner.hasNextPage) c = inner.endCursor;
        else {
          k++;
          c = null;
          if (nodes.length) endCursor = encode(k, null);
        }
      }
      return {
        nodes,
        totalCount: counts.reduce((a, b) => a + b, 0),
        hasNextPage: k < sources.length && (c !== null || (await hasMore(k))),
        endCursor,
      };

      async function hasMore(from: number) {
        for (let i = from; i < sources.length; i++) if (counts[i]! > 0) return true;
        return false;
      }
    },

    async findCompatible(requirements, limit) {
      const out: ImageRecord[][] = requirements.map(() => []);
      for (const source of sources) {
        const found = await source.findCompatible(requirements, limit);
        found.forEach((images, i) => out[i]!.push(...images.slice(0, limit - out[i]!.length)));
      }
      return out;
    },

    async open(id) {
      for (const source of sources) {
        const file = await source.open(id);
        if (file) return file;
      }
      return undefined;
    },
  };
}

const encode = (k: number, c: string | null) =>
  Buffer.from(JSON.stringify({ k, c })).toString('base64url');

function decode(cursor: string): { k: number; c: string | null } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as {
      k: unknown;
      c: unknown;
    };
    if (Number.isInteger(parsed.k) && (parsed.c === null || typeof parsed.c === 'string')) {
      return parsed as { k: number; c: string | null };
    }
  } catch {
    // fall through
  }
  throw new MedfedError('BAD_USER_INPUT', 'after: not a cursor returned by medicalImages');
}
