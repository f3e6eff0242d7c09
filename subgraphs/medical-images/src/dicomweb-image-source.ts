import { Readable } from 'node:stream';
import { MedfedError } from '#common/errors/medfed-error.js';
import type { Logger } from '#common/logging/create-logger.js';
import type { DicomHeader } from './dicom-header.js';
import {
  isCompatible,
  matchesFilter,
  type ImageFilter,
  type ImagePage,
  type ImageSource,
} from './image-source.js';
import {
  classifyImageType,
  toImageRecord,
  type ImageRecord,
  type Pseudonyms,
} from './medical-image.js';

type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

interface SeriesRef {
  readonly study: string;
  readonly series: string;
  readonly modality: string | null;
  readonly bodyPart: string | null;
  readonly type: string;
  readonly instances: number;
}

const SERIES_PAGE = 200;
const METADATA_CACHE = 2_000;

/**
 * An image source over a DICOMweb archive (a PACS such as Orthanc): QIDO-RS finds series (by
 * modality, body part, study and series UID, in pages), WADO-RS series metadata gives the instance
 * attributes (cached per series), WADO-RS retrieves files. Only series are listed to answer a
 * query and count it; instance metadata is read series by series as pages need it.
 *
 * Outward UIDs are the site's pseudonyms (HMAC, not reversible), so the source remembers which
 * original each pseudonym and image id stands for as it meets them; a filter or id it has not met
 * yet triggers one series-level listing of the archive to learn them.
 */
export function createDicomwebImageSource(options: {
  url: string;
  name?: string;
  log: Logger;
  pseudonyms: Pseudonyms;
  headers?: Record<string, string>;
}): ImageSource {
  const root = options.url.replace(/\/$/, '');
  const name = options.name ?? 'dicomweb';
  const originals = new Map<string, string>(); // pseudonym UID → original UID
  const byId = new Map<string, { study: string; series: string; sop: string }>();
  const metadata = new Map<string, Promise<ImageRecord[]>>();

  async function get(path: string, accept = 'application/dicom+json'): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${root}${path}`, {
        headers: { accept, ...options.headers },
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new MedfedError(
        'SUBGRAPH_UNAVAILABLE',
        `The image archive is unreachable (${(error as Error).message})`,
      );
    }
    if (!response.ok) {
      options.log.warn(
        { status: response.status, path: path.split('?')[0] },
        'DICOMweb request failed',
      );
      throw new MedfedError(
        'SUBGRAPH_UNAVAILABLE',
        `The image archive answered HTTP ${response.status}`,
      );
    }
    return response;
  }

  async function json(path: string): Promise<DicomJson[]> {
    const response = await get(path);
    const text = await response.text();
    return text ? (JSON.parse(text) as DicomJson[]) : [];
  }

  const remember = (original: string) => {
    originals.set(options.pseudonyms.uid(original), original);
    return original;
  };

  /** Every series matching the archive-side filters, in a stable order. */
  async function listSeries(filter: ImageFilter): Promise<SeriesRef[] | undefined> {
    const params = new URLSearchParams();
    for (const [key, value] of [
      ['Modality', filter.modality?.toUpperCase()],
      ['BodyPartExamined', filter.bodyPart?.toUpperCase()],
    ] as const) {
      if (value) params.set(key, value);
    }
    for (const [key, pseudonym] of [
      ['StudyInstanceUID', filter.studyInstanceUID],
      ['SeriesInstanceUID', filter.seriesInstanceUID],
    ] as const) {
      if (!pseudonym) continue;
      if (!originals.has(pseudonym)) await listSeries({}); // learn the archive's pseudonyms once
      const original = originals.get(pseudonym);
      if (!original) return undefined; // a pseudonym of nothing here: no images
      params.set(key, original);
    }
    if (filter.studyDateFrom || filter.studyDateTo) {
      params.set('StudyDate', `${filter.studyDateFrom ?? ''}-${filter.studyDateTo ?? ''}`);
    }
    for (const field of ['0008103E', '00181030', '00180015', '00201209'])
      params.append('includefield', field);
    const series: SeriesRef[] = [];
    for (let offset = 0; ; offset += SERIES_PAGE) {
      params.set('limit', String(SERIES_PAGE));
      params.set('offset', String(offset));
      const page = await json(`/series?${params.toString()}`);
      for (const s of page) {
        const header = {
          modality: text(s, '00080060')?.toUpperCase() ?? '',
          seriesDescription: text(s, '0008103E'),
          protocolName: text(s, '00181030'),
          contrastAgent: null,
        } as DicomHeader;
        series.push({
          study: remember(text(s, '0020000D') ?? ''),
          series: remember(text(s, '0020000E') ?? ''),
          modality: header.modality || null,
          bodyPart: text(s, '00180015')?.toUpperCase() ?? null,
          type: classifyImageType(header),
          instances: Number(text(s, '00201209') ?? 0),
        });
      }
      if (page.length < SERIES_PAGE) break;
    }
    return series
      .filter((s) => filter.type == null || s.type === filter.type)
      .sort((a, b) => (a.study + a.series < b.study + b.series ? -1 : 1));
  }

  function seriesImages(ref: { study: string; series: string }): Promise<ImageRecord[]> {
    const key = `${ref.study}/${ref.series}`;
    let pending = metadata.get(key);
    if (!pending) {
      pending = json(`/studies/${ref.study}/series/${ref.series}/metadata`).then((instances) =>
        instances
          .map((instance) => {
            const header = headerFromJson(instance);
            const record = toImageRecord(name, header, null, options.pseudonyms);
            byId.set(record.id, {
              study: ref.study,
              series: ref.series,
              sop: header.sopInstanceUID,
            });
            return record;
          })
          .sort(
            (a, b) => (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0) || (a.id < b.id ? -1 : 1),
          ),
      );
      pending.catch(() => metadata.delete(key));
      if (metadata.size >= METADATA_CACHE) metadata.clear();
      metadata.set(key, pending);
    }
    return pending;
  }

  async function search(
    filter: ImageFilter,
    page: { first: number; after?: string | null },
  ): Promise<ImagePage> {
    const series = (await listSeries(filter)) ?? [];
    const cursor = page.after ? decodeCursor(page.after) : { s: 0, i: 0 };
    const nodes: ImageRecord[] = [];
    let s = cursor.s;
    let i = cursor.i;
    while (s < series.length && nodes.length < page.first) {
      const images = (await seriesImages(series[s]!)).filter((r) => matchesFilter(r, filter));
      while (i < images.length && nodes.length < page.first) nodes.push(images[i++]!);
      if (i >= images.length) {
        s++;
        i = 0;
      }
    }
    return {
      nodes,
      totalCount: series.reduce((n, x) => n + x.instances, 0),
      hasNextPage: s < series.length,
      endCursor: nodes.length ? Buffer.from(JSON.stringify({ s, i })).toString('base64url') : null,
    };
  }

  async function recordOf(id: string): Promise<ImageRecord | undefined> {
    if (!byId.has(id)) {
      for (const ref of (await listSeries({})) ?? []) {
        await seriesImages(ref);
        if (byId.has(id)) break;
      }
    }
    const ref = byId.get(id);
    return ref ? (await seriesImages(ref)).find((r) => r.id === id) : undefined;
  }

  return {
    name,
    search,
    getByIds: (ids) => Promise.all(ids.map(recordOf)),
    async findCompatible(requirements, limit) {
      return Promise.all(
        requirements.map(async (req) => {
          if (!req.modality && req.imageTypes.length === 0) return [];
          const out: ImageRecord[] = [];
          let after: string | null = null;
          do {
            const page = await search(
              { modality: req.modality, bodyPart: req.bodyPart },
              { first: 200, after },
            );
            out.push(...page.nodes.filter((r) => isCompatible(r, req)));
            after = page.hasNextPage ? page.endCursor : null;
          } while (after && out.length < limit);
          return out.slice(0, limit);
        }),
      );
    },
    async open(id) {
      const ref = byId.get(id) ?? ((await recordOf(id)) ? byId.get(id) : undefined);
      if (!ref) return undefined;
      const response = await get(
        `/studies/${ref.study}/series/${ref.series}/instances/${ref.sop}`,
        'multipart/related; type="application/dicom"',
      );
      const bytes = firstPart(
        new Uint8Array(await response.arrayBuffer()),
        response.headers.get('content-type') ?? '',
      );
      return { stream: Readable.from([Buffer.from(bytes)]), sizeBytes: bytes.byteLength };
    },
  };
}

function text(json: DicomJson, tag: string): string | null {
  const value = json[tag]?.Value?.[0];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (typeof value === 'object') return (value as { Alphabetic?: string }).Alphabetic ?? '';
  return null;
}

function numbers(json: DicomJson, tag: string): number[] | null {
  const values = json[tag]?.Value;
  return values?.length ? values.map(Number) : null;
}

function headerFromJson(json: DicomJson): DicomHeader {
  const spacing = numbers(json, '00280030') ?? numbers(json, '00181164');
  return {
    sopInstanceUID: text(json, '00080018') ?? '',
    sopClassUID: text(json, '00080016') ?? '',
    studyInstanceUID: text(json, '0020000D') ?? '',
    seriesInstanceUID: text(json, '0020000E') ?? '',
    transferSyntaxUID: text(json, '00020010'),
    modality: text(json, '00080060')?.toUpperCase() ?? '',
    bodyPart: text(json, '00180015')?.toUpperCase() ?? null,
    seriesDescription: text(json, '0008103E'),
    protocolName: text(json, '00181030'),
    contrastAgent: text(json, '00180010'),
    rows: Number(text(json, '00280010') ?? 0),
    columns: Number(text(json, '00280011') ?? 0),
    numberOfFrames: Number(text(json, '00280008') ?? 1) || 1,
    instanceNumber: text(json, '00200013') === null ? null : Number(text(json, '00200013')),
    pixelSpacing: spacing && spacing.length >= 2 ? [spacing[0]!, spacing[1]!] : null,
    sliceThickness: text(json, '00180050') === null ? null : Number(text(json, '00180050')),
    imagePositionPatient: numbers(json, '00200032'),
    imageOrientationPatient: numbers(json, '00200037'),
    patientId: text(json, '00100020'),
    studyDate: text(json, '00080020'),
    pixelDataEnd: null,
  };
}

function decodeCursor(cursor: string): { s: number; i: number } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as {
      s: unknown;
      i: unknown;
    };
    if (Number.isInteger(parsed.s) && Number.isInteger(parsed.i))
      return parsed as { s: number; i: number };
  } catch {
    // fall through
  }
  throw new MedfedError('BAD_USER_INPUT', 'after: not a cursor returned by medicalImages');
}

/** The body of the first part of a multipart/related response. */
function firstPart(body: Uint8Array, contentType: string): Uint8Array {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return body;
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const start = buf.indexOf(`--${boundary}`);
  const headersEnd = buf.indexOf('\r\n\r\n', start);
  const end = buf.indexOf(`\r\n--${boundary}`, headersEnd);
  if (start < 0 || headersEnd < 0 || end < 0)
    throw new MedfedError(
      'SUBGRAPH_UNAVAILABLE',
      'The image archive sent a malformed multipart response',
    );
  return body.subarray(headersEnd + 4, end);
}
