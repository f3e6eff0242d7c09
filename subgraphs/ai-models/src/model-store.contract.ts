import { describe, expect, it } from 'vitest';
import { MedfedError } from '#common/errors/medfed-error.js';
import type { NewModel } from './model.js';
import type { ModelStore } from './model-store.js';

const base: NewModel = {
  name: 'segmentation_mri_brain_tumors_br16_t1c2tc_v1',
  platform: 'tensorflow_graphdef',
  data_type: 'TYPE_FP32',
  kind: 'KIND_GPU',
  url: 'https://models.example.org/br16.zip',
  version: '0.6.0-2006.4',
  task: 'SEGMENTATION',
  modality: 'MR',
  bodyPart: 'BRAIN',
  imageTypes: ['MRI_T1c'],
  outputLabels: ['background', 'tumor_core'],
};

/** One suite, run against every ModelStore adapter (memory and DynamoDB). */
export function modelStoreContract(name: string, makeStore: () => Promise<ModelStore>) {
  describe(`ModelStore contract: ${name}`, () => {
    it('assigns increasing integer ids and reads models back by id, in request order', async () => {
      const store = await makeStore();
      const a = await store.register(base);
      const b = await store.register({ ...base, version: '0.7.0' });
      expect(Number(b.id)).toBeGreaterThan(Number(a.id));
      const got = await store.getByIds([b.id, 'missing', a.id]);
      expect(got.map((m) => m?.version)).toEqual(['0.7.0', undefined, '0.6.0-2006.4']);
      expect(got[2]).toEqual(a);
    });

    it('finds by name, platform, id and their combination', async () => {
      const store = await makeStore();
      const a = await store.register(base);
      await store.register({ ...base, name: 'xray_chest', platform: 'onnxruntime_onnx' });
      expect((await store.find({ name: base.name })).map((m) => m.id)).toEqual([a.id]);
      expect((await store.find({ platform: 'onnxruntime_onnx' })).map((m) => m.name)).toEqual([
        'xray_chest',
      ]);
      expect(await store.find({ id: a.id, platform: 'onnxruntime_onnx' })).toEqual([]);
      expect(await store.find({})).toHaveLength(2);
    });

    it('refuses a duplicate (name, version) and a taken id with CONFLICT, storing nothing', async () => {
      const store = await makeStore();
      await store.register({ ...base, id: '42' });
      await expect(store.register(base)).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(store.register({ ...base, id: '42', version: '9' })).rejects.toBeInstanceOf(
        MedfedError,
      );
      expect(await store.find({})).toHaveLength(1);
      // The failed id-clash did not leave its (name, version) claimed.
      await expect(store.register({ ...base, version: '9' })).resolves.toMatchObject({
        version: '9',
      });
    });

    it('lets exactly one of several concurrent registrations of the same model win', async () => {
      const store = await makeStore();
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => store.register(base)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await store.find({ name: base.name })).toHaveLength(1);
    });
  });
}
