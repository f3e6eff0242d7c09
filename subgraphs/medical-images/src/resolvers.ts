import DataLoader from 'dataloader';
import type { ResolverMap } from '#common/graphql/resolver-map.js';
import type { Identity } from '#common/auth/identity-token.js';
import { requireScope, SCOPES } from '#common/auth/require-scope.js';
import { MedfedError } from '#common/errors/medfed-error.js';
import type { FileUrlSigner } from './file-url-signer.js';
import type { ImageFilter, ImageSource, ModelRequirements } from './image-source.js';
import type { ImageRecord } from './medical-image.js';

export interface MedicalImagesContext {
  readonly source: ImageSource;
  readonly identity: Identity;
  /** Base URL under which /files/<id>.dcm is served. */
  readonly publicUrl: string;
  readonly fileUrls: FileUrlSigner;
  readonly imageById: DataLoader<string, ImageRecord | undefined>;
  readonly compatibleImages: DataLoader<CompatibleKey, ImageRecord[], string>;
}

interface CompatibleKey extends ModelRequirements {
  readonly limit: number;
}

/** An image as it travels through resolvers: with the model it was listed under, if any. */
type ImageParent = ImageRecord & { readonly listedUnderModel?: string };

const ROOT_LIST_LIMIT = 1000;
const MAX_PAGE = 1000;
const MAX_COMPATIBLE = 5000;

export function createMedicalImagesContext(
  source: ImageSource,
  publicUrl: string,
  identity: Identity,
  fileUrls: FileUrlSigner,
): MedicalImagesContext {
  return {
    source,
    identity,
    publicUrl,
    fileUrls,
    imageById: new DataLoader((ids) => source.getByIds(ids), { maxBatchSize: 10_000 }),
    compatibleImages: new DataLoader(
      async (keys) => {
        // One backend round per distinct limit (in practice one: all siblings share the argument).
        const out = new Array<ImageRecord[]>(keys.length);
        const byLimit = new Map<number, number[]>();
        keys.forEach((k, i) => byLimit.set(k.limit, [...(byLimit.get(k.limit) ?? []), i]));
        for (const [limit, indexes] of byLimit) {
          const found = await source.findCompatible(
            indexes.map((i) => keys[i]!),
            limit,
          );
          indexes.forEach((i, j) => (out[i] = found[j]!));
        }
        return out;
      },
      { cacheKeyFn: (k) => JSON.stringify([k.modality, k.bodyPart, k.imageTypes, k.limit]) },
    ),
  };
}

export const resolvers: ResolverMap = {
  Query: {
    medicalImage: async (_: unknown, args: { id?: string | null }, ctx: MedicalImagesContext) => {
      if (args.id != null) {
        const image = await ctx.imageById.load(args.id);
        return image ? [image] : [];
      }
      return (await ctx.source.search({}, { first: ROOT_LIST_LIMIT })).nodes;
    },
    medicalImages: async (
      _: unknown,
      args: { filter?: ImageFilter | null; first: number; after?: string | null },
      ctx: MedicalImagesContext,
    ) => {
      if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE) {
        throw new MedfedError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE}`);
      }
      const page = await ctx.source.search(dateFilter(args.filter ?? {}, ctx), {
        first: args.first,
        after: args.after ?? null,
      });
      // Prime the per-request loader so _entities lookups in the same request are free.
      for (const node of page.nodes) ctx.imageById.prime(node.id, node);
      return {
        nodes: page.nodes,
        totalCount: page.totalCount,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },
  },
  Model: {
    medicalImages: async (
      model: {
        id: string;
        modality?: string | null;
        bodyPart?: string | null;
        imageTypes?: string[];
      },
      args: { first: number },
      ctx: MedicalImagesContext,
    ) => {
      if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_COMPATIBLE) {
        throw new MedfedError('BAD_USER_INPUT', `first must be between 1 and ${MAX_COMPATIBLE}`);
      }
      const images = await ctx.compatibleImages.load({
        modality: model.modality ?? null,
        bodyPart: model.bodyPart ?? null,
        imageTypes: model.imageTypes ?? [],
        limit: args.first,
      });
      return images.map((image): ImageParent => ({ ...image, listedUnderModel: model.id }));
    },
  },
  MedicalImage: {
    __resolveReference: (ref: { id: string }, ctx: MedicalImagesContext) =>
      ctx.imageById.load(ref.id),
    url: (image: ImageParent, _: unknown, ctx: MedicalImagesContext) =>
      ctx.fileUrls.sign(ctx.publicUrl, image.id),
    patientPseudonym: (image: ImageParent, _: unknown, ctx: MedicalImagesContext) => {
      requireScope(ctx.identity, SCOPES.PHI_READ, 'MedicalImage.patientPseudonym');
      return image.patientPseudonym;
    },
    model_id: (image: ImageParent) => {
      const id = image.listedUnderModel;
      return id !== undefined && /^\d{1,9}$/.test(id) ? Number(id) : null;
    },
  },
};

/**
 * Study dates are removed from everything that leaves, and a date filter could reveal them by
 * bisection: filtering by date needs phi:read. GraphQL takes YYYY-MM-DD; DICOM compares YYYYMMDD.
 */
function dateFilter(filter: ImageFilter, ctx: MedicalImagesContext): ImageFilter {
  if (filter.studyDateFrom == null && filter.studyDateTo == null) return filter;
  requireScope(ctx.identity, SCOPES.PHI_READ, 'Filtering by study date');
  const dicomDate = (value: string | null | undefined, name: string) => {
    if (value == null) return null;
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    const date = match ? new Date(`${value}T00:00:00Z`) : null;
    if (
      !match ||
      !date ||
      Number.isNaN(date.getTime()) ||
      date.toISOString().slice(0, 10) !== value
    ) {
      throw new MedfedError('BAD_USER_INPUT', `${name} must be a date, YYYY-MM-DD`, {
        field: name,
      });
    }
    return `${match[1]}${match[2]}${match[3]}`;
  };
  return {
    ...filter,
    studyDateFrom: dicomDate(filter.studyDateFrom, 'studyDateFrom'),
    studyDateTo: dicomDate(filter.studyDateTo, 'studyDateTo'),
  };
}
