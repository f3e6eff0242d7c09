import { Worker } from 'node:worker_threads';
import type { FetchSettings, WorkerConfig } from '../config.js';
import type { StorageLocation } from '../storage/object-store.js';
import type { StageOutcome, StageTask } from './stage-executor.js';

/** What each stage thread is started with (plain data). */
export interface ThreadSettings {
  readonly storage: StorageLocation;
  readonly cacheDir: string;
  readonly fetch: FetchSettings;
  readonly preferGpu: boolean;
  readonly logLevel: WorkerConfig['logLevel'];
}

/**
 * A fixed pool of stage threads. A task goes to an idle thread (or waits for one); a thread that
 * dies fails its task as retryable and is replaced.
 */
export function createThreadPool(options: { size: number; settings: ThreadSettings }) {
  interface Slot {
    worker: Worker;
    busy?: { id: number; resolve: (o: StageOutcome) => void };
  }
  const slots: Slot[] = [];
  const waiting: { task: StageTask; resolve: (o: StageOutcome) => void }[] = [];
  let nextId = 0;
  let closed = false;

  function spawn(): Slot {
    const worker = new Worker(new URL('./thread-boot.mjs', import.meta.url), {
      workerData: {
        entry: new URL('./stage-thread.ts', import.meta.url).href,
        settings: options.settings,
      },
    });
    const slot: Slot = { worker };
    worker.on('message', (message: { id: number; outcome: StageOutcome }) => {
      if (slot.busy?.id !== message.id) return;
      const { resolve } = slot.busy;
      slot.busy = undefined;
      resolve(message.outcome);
      dispatch();
    });
    const lost = (reason: string) => {
      const pending = slot.busy;
      slot.busy = undefined;
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      pending?.resolve({
        ok: false,
        unrecoverable: false,
        message: `stage thread died: ${reason}`,
      });
      if (!closed) {
        slots.push(spawn());
        dispatch();
      }
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => {
      if (slots.includes(slot)) lost(`exit code ${code}`);
    });
    return slot;
  }

  function dispatch() {
    for (const slot of slots) {
      if (slot.busy) continue;
      const next = waiting.shift();
      if (!next) return;
      const id = nextId++;
      slot.busy = { id, resolve: next.resolve };
      slot.worker.postMessage({ id, task: next.task });
    }
  }

  for (let i = 0; i < options.size; i++) slots.push(spawn());

  return {
    run(task: StageTask): Promise<StageOutcome> {
      return new Promise((resolve) => {
        waiting.push({ task, resolve });
        dispatch();
      });
    },
    async close() {
      closed = true;
      const all = slots.splice(0);
      await Promise.all(all.map((s) => s.worker.terminate()));
    },
  };
}

export type ThreadPool = ReturnType<typeof createThreadPool>;
