import { buffer } from 'node:stream/consumers';
import dicomParser from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import { testDeidentifier } from '#common/testing/test-deidentifier.js';
import type { PhantomSeries } from '#fixtures/dicom-phantoms.js';
import type { ImageSource } from './image-source.js';

/**
 * One suite for every ImageSource (folder, DICOMweb), over the demo's phantom set: 2 × 12 brain
 * MR T1c + 12 brain MR T2, 8 chest CT, 2 chest radiographs = 46 images.
 */
export function imageSourceContract(
  name: string,
  setup: () => Promise<{ source: ImageSource; series: PhantomSeries[] }>,
) {
  describe(`ImageSource contract: ${name}`, () => {
    let ctx: Awaited<ReturnType<typeof setup>>;
    const source = () => ctx.source;
    it('lists every image once, with counts', async () => {
      ctx = await setup();
      const all = await source().search({}, { first: 1000 });
      expect(all.totalCount).toBe(46);
      expect(all.nodes).toHaveLength(46);
      expect(new Set(all.nodes.map((n) => n.id)).size).toBe(46);
      expect(all.hasNextPage).toBe(false);
    });

    it('filters by modality, type, body part, and pseudonymized study and series UIDs', async () => {
      const count = async (filter: Parameters<ImageSource['search']>[0]) =>
        (await source().search(filter, { first: 1000 })).nodes.length;
      expect(await count({ modality: 'MR' })).toBe(36);
      expect(await count({ type: 'MRI_T1c' })).toBe(24);
      expect(await count({ type: 'MRI_T2' })).toBe(12);
      expect(await count({ bodyPart: 'CHEST' })).toBe(10);
      expect(await count({ modality: 'CR' })).toBe(2);
      const t2 = ctx.series[1]!;
      expect(await count({ seriesInstanceUID: testDeidentifier.uid(t2.seriesInstanceUID) })).toBe(
        12,
      );
      expect(await count({ studyInstanceUID: testDeidentifier.uid(t2.studyInstanceUID) })).toBe(24);
      expect(await count({ seriesInstanceUID: t2.seriesInstanceUID })).toBe(0); // originals never match
      expect(await count({ studyDateFrom: '20260101', studyDateTo: '20260101' })).toBe(46);
      expect(await count({ studyDateFrom: '20260102' })).toBe(0);
      expect(await count({ studyDateTo: '20251231', modality: 'MR' })).toBe(0);
    });

    it('pages with cursors: the same images, in the same order, as one big page', async () => {
      const all = (await source().search({ modality: 'MR' }, { first: 1000 })).nodes.map(
        (n) => n.id,
      );
      const paged: string[] = [];
      let after: string | null = null;
      do {
        const page = await source().search({ modality: 'MR' }, { first: 5, after });
        expect(page.totalCount).toBe(36);
        paged.push(...page.nodes.map((n) => n.id));
        after = page.hasNextPage ? page.endCursor : null;
      } while (after);
      expect(paged).toEqual(all);
      await expect(source().search({}, { first: 5, after: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
      });
    });

    it('reads geometry and pseudonymizes UIDs and patients', async () => {
      const [image] = (await source().search({ type: 'MRI_T1c' }, { first: 1 })).nodes;
      expect(image).toMatchObject({
        modality: 'MR',
        bodyPart: 'BRAIN',
        rows: 64,
        columns: 64,
        sliceThickness: 5,
        format: 'DICOM',
        instanceNumber: 1,
      });
      expect(image!.pixelSpacing).toEqual([3.75, 3.75]);
      const originals = ctx.series.flatMap((s) => s.sopInstanceUIDs);
      expect(originals).not.toContain(image!.sopInstanceUID);
      expect(originals.map(testDeidentifier.uid)).toContain(image!.sopInstanceUID);
      expect(image!.patientPseudonym).toMatch(/^ANON-[0-9A-F]{16}$/);
    });

    it('gets images by id, undefined for unknown ids', async () => {
      const some = (await source().search({ modality: 'CT' }, { first: 3 })).nodes;
      const got = await source().getByIds([some[2]!.id, 'img-unknown', some[0]!.id]);
      expect(got.map((r) => r?.id)).toEqual([some[2]!.id, undefined, some[0]!.id]);
    });

    it('finds the images a model can run on', async () => {
      const [t1c, cxr, none] = await source().findCompatible(
        [
          { modality: 'MR', bodyPart: 'BRAIN', imageTypes: ['MRI_T1c'] },
          { modality: 'CR', bodyPart: 'CHEST', imageTypes: ['XRAY'] },
          { modality: null, bodyPart: null, imageTypes: [] },
        ],
        5,
      );
      expect(t1c!.map((r) => r.type)).toEqual(Array(5).fill('MRI_T1c'));
      expect(cxr).toHaveLength(2);
      expect(none).toEqual([]);
    });

    it('opens the DICOM file behind an id', async () => {
      const [image] = (await source().search({ modality: 'CR' }, { first: 1 })).nodes;
      const file = await source().open(image!.id);
      const bytes = await buffer(file!.stream);
      const parsed = dicomParser.parseDicom(new Uint8Array(bytes));
      expect(testDeidentifier.uid(parsed.string('x00080018')!)).toBe(image!.sopInstanceUID);
      expect(await source().open('img-unknown')).toBeUndefined();
    });
  });
}
