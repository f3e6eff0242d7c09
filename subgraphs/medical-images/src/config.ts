import { z } from 'zod';
import { loadConfig } from '#common/config/load-config.js';
import {
  logLevel,
  port,
  registrationEnv,
  registrationOf,
  gatewayIdentityEnv,
  gatewayKeyOf,
} from '#common/config/env-schemas.js';

const schema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: port(4002),
    LOG_LEVEL: logLevel,
    /** A directory of DICOM files to index. */
    IMAGE_FOLDER: z.string().min(1).optional(),
    /** DICOMweb archives: name=url,... (e.g. pacs-a=https://pacs-a.example/dicom-web). */
    DICOMWEB_ARCHIVES: z
      .string()
      .transform((raw, ctx) =>
        raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map((entry) => {
            const [name, url] = [
              entry.slice(0, entry.indexOf('=')),
              entry.slice(entry.indexOf('=') + 1),
            ];
            if (
              !/^[a-z][a-z0-9-]*$/.test(name) ||
              !/^https?:\/\//.test(url) ||
              !URL.canParse(url)
            ) {
              ctx.addIssue({
                code: 'custom',
                message: `"${entry}" is not name=http(s)://dicomweb-root`,
              });
            }
            return { name, url };
          }),
      )
      .optional(),
    SOURCE_NAME: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .default('folder'),
    /** Per-site secret for PS3.15 pseudonyms (UIDs, patient). Keep it: changing it changes them. */
    DEID_SECRET: z
      .string({
        error: 'DEID_SECRET is required: the site secret for de-identification (16+ characters)',
      })
      .min(16, 'DEID_SECRET must be at least 16 characters'),
    SITE_NAME: z.string().max(64).optional(),
    /** How long an image link from MedicalImage.url stays valid. */
    FILE_URL_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
    ...registrationEnv,
    ...gatewayIdentityEnv,
  })
  .superRefine((env, ctx) => {
    if (!env.IMAGE_FOLDER && !env.DICOMWEB_ARCHIVES?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['IMAGE_FOLDER'],
        message: 'set IMAGE_FOLDER and/or DICOMWEB_ARCHIVES: where the images are',
      });
    }
  })
  .transform((env, ctx) => ({
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    imageFolder: env.IMAGE_FOLDER,
    dicomwebArchives: env.DICOMWEB_ARCHIVES ?? [],
    sourceName: env.SOURCE_NAME,
    deidentification: { siteSecret: env.DEID_SECRET, siteName: env.SITE_NAME },
    fileUrls: { secret: `${env.DEID_SECRET}\0file-urls`, ttlSeconds: env.FILE_URL_TTL_SECONDS },
    /** Base URL clients use to reach this service; by default the address it listens on. */
    publicUrl: env.PUBLIC_URL?.replace(/\/$/, ''),
    routingUrl: env.ROUTING_URL?.replace(/\/$/, ''),
    registration: registrationOf(env, ctx),
    gatewayPublicKey: gatewayKeyOf(env, ctx),
  }));

export type MedicalImagesConfig = z.output<typeof schema>;

export function readConfig(env: Record<string, string | undefined>): MedicalImagesConfig {
  return loadConfig('medical-images', schema, env);
}
