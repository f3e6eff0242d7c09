import { MedfedError } from '#common/errors/medfed-error.js';

/** What a query result names: the model(s) and the images found under it. */
export interface ExtractedInputs {
  readonly modelIds: readonly string[];
  readonly images: readonly { id: string; url: string; type?: string | null }[];
}

const IMAGE_FIELDS = new Set(['medicalImages', 'medicalImage', 'nodes']);
const MODEL_FIELDS = new Set(['models', 'model']);

/**
 * Finds the model and the images in a query's result without knowing the query's shape: models
 * are objects under a `models`/`model` field (or holding `medicalImages`); images are objects
 * with `id` and `url` in a `medicalImages`, `medicalImage` or connection `nodes` list. Images are
 * de-duplicated by id, in the order the result lists them.
 */
export function extractInputs(data: unknown): ExtractedInputs {
  const modelIds = new Set<string>();
  const images = new Map<string, { id: string; url: string; type?: string | null }>();
  let imagesWithoutUrl = 0;

  const visit = (value: unknown, field: string | undefined): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, field);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const object = value as Record<string, unknown>;
    const id = object['id'];
    if ((field !== undefined && MODEL_FIELDS.has(field)) || 'medicalImages' in object) {
      if (typeof id === 'string' || typeof id === 'number') modelIds.add(String(id));
    } else if (field !== undefined && IMAGE_FIELDS.has(field) && typeof id === 'string') {
      const url = object['url'];
      if (typeof url !== 'string') imagesWithoutUrl++;
      else if (!images.has(id)) {
        const type = object['type'];
        images.set(id, { id, url, ...(type === undefined ? {} : { type: type as string | null }) });
      }
    }
    for (const [key, child] of Object.entries(object)) visit(child, key);
  };
  visit(data, undefined);

  if (images.size === 0 && imagesWithoutUrl > 0) {
    throw new MedfedError(
      'NO_IMAGES',
      `the query returned ${imagesWithoutUrl} images without their url; select id and url on MedicalImage`,
    );
  }
  return { modelIds: [...modelIds], images: [...images.values()] };
}
