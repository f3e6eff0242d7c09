import { MedfedError } from '#common/errors/medfed-error.js';
import { toRecord, type ModelRecord, type NewModel } from './model.js';
import { byId, matches, type ModelFilter, type ModelStore } from './model-store.js';

/** In-memory ModelStore for unit tests. */
export function createMemoryModelStore(): ModelStore {
  const models = new Map<string, ModelRecord>();
  let next = 1;
  return {
    getByIds: (ids) => Promise.resolve(ids.map((id) => models.get(id))),
    find: (filter: ModelFilter) =>
      Promise.resolve([...models.values()].filter((m) => matches(m, filter)).sort(byId)),
    register(input: NewModel) {
      const id = input.id ?? String(next++);
      if (models.has(id)) {
        return Promise.reject(
          new MedfedError('CONFLICT', `A model with id "${id}" already exists`),
        );
      }
      for (const m of models.values()) {
        if (m.name === input.name && m.version === input.version) {
          return Promise.reject(
            new MedfedError(
              'CONFLICT',
              `Model "${input.name}" version "${input.version}" is already registered (id ${m.id})`,
            ),
          );
        }
      }
      const record = toRecord(input, id, new Date().toISOString());
      models.set(id, record);
      return Promise.resolve(record);
    },
  };
}
