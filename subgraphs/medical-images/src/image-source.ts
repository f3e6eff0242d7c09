import type { Readable } from 'node:stream';
import type { ImageRecord } from './medical-image.js';

export interface ImageFilter {
  readonly modality?: string | null | undefined;
  readonly type?: string | null | undefined;
  readonly studyInstanceUID?: string | null | undefined;
  readonly seriesInstanceUID?: string | null | undefined;
  readonly bodyPart?: string | null | undefined;
  /** Inclusive study-date range, YYYYMMDD. */
  readonly studyDateFrom?: string | null | undefined;
  readonly studyDateTo?: string | null | undefined;
}

export interface ImagePage {
  readonly nodes: readonly ImageRecord[];
  readonly totalCount: number;
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

/** What a model declares about its input (ai-models fields, fetched by the gateway via @requires). */
export interface ModelRequirements {
  readonly modality: string | null;
  readonly bodyPart: string | null;
  readonly imageTypes: readonly string[];
}

/**
 * The port behind the medical-images subgraph. Adapters: a folder of DICOM files (this issue);
 * DICOMweb archives later. Every method is one backend round however many keys it gets.
 */
export interface ImageSource {
  /** Short name, part of image ids (so two sources never mint the same id). */
  readonly name: string;
  getByIds(ids: readonly string[]): Promise<(ImageRecord | undefined)[]>;
  /** Images matching the filter, in a stable order (study, series, instance); keyset paging. */
  search(filter: ImageFilter, page: { first: number; after?: string | null }): Promise<ImagePage>;
  /** For each requirement, up to `limit` images that satisfy it, in the same stable order. */
  findCompatible(
    requirements: readonly ModelRequirements[],
    limit: number,
  ): Promise<ImageRecord[][]>;
  /** The image file's bytes, or undefined if the id is unknown. */
  open(id: string): Promise<{ stream: Readable; sizeBytes: number } | undefined>;
}

/**
 * A model can run on an image when the modality matches, the body part matches if the model names
 * one, and the image type is one the model lists (if it lists any). A model that declares neither a
 * modality nor image types has no declared input, so no image is claimed to fit it.
 */
export function isCompatible(image: ImageRecord, req: ModelRequirements): boolean {
  if (!req.modality && req.imageTypes.length === 0) return false;
  if (req.modality && image.modality !== req.modality.toUpperCase()) return false;
  if (req.bodyPart && image.bodyPart !== req.bodyPart.toUpperCase()) return false;
  if (req.imageTypes.length > 0 && !req.imageTypes.includes(image.type)) return false;
  return true;
}

export function matchesFilter(image: ImageRecord, f: ImageFilter): boolean {
  return (
    (f.modality == null || image.modality === f.modality.toUpperCase()) &&
    (f.type == null || image.type === f.type) &&
    (f.studyInstanceUID == null || image.studyInstanceUID === f.studyInstanceUID) &&
    (f.seriesInstanceUID == null || image.seriesInstanceUID === f.seriesInstanceUID) &&
    (f.bodyPart == null || image.bodyPart === f.bodyPart.toUpperCase()) &&
    (f.studyDateFrom == null || (image.studyDate !== null && image.studyDate >= f.studyDateFrom)) &&
    (f.studyDateTo == null || (image.studyDate !== null && image.studyDate <= f.studyDateTo))
  );
}
