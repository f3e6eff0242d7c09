/**
 * The compute pipeline against its limit, and submit latency under concurrent POSTs.
 *   node --import tsx bench/compute/pipeline-throughput.ts [series] [slices] [size]
 * Starts on loopback: the federated graph over `series` generated T1c brain series, Redis, the
 * model repository, the compute API and one worker process (cpu+gpu queues). Then, on the same
 * images and the same model:
 *   1. raw: the segmentation model run directly in onnxruntime-node (decoded, pre-processed
 *      volumes in memory; only inference timed) — the limit;
 *   2. pipeline: one job through the REST API, queues and worker (fetch, decode, pre-process,
 *      inference, post-processing, DICOM SEG, PNG overlays), POST to SUCCEEDED;
 *   3. submit latency: 200 POSTs of the seed's request, 20 at a time (workers paused, so only the
 *      API path is measured: query through the gateway, model lookup, Redis, queueing).
 * Prints a table with images/s and the pipeline/raw ratio.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger } from '#common/logging/create-logger.js';
import { writeBrainMrSeries } from '#fixtures/dicom-phantoms.js';
import { SEED_COMPUTE_REQUEST } from '#fixtures/sample-models.js';
import { createInferenceEngine } from '../../compute-service/src/inference/inference-engine.js';
import { buildEnhancingLesionSegmenter } from '../../compute-service/src/models/enhancing-lesion-segmenter.js';
import { preprocessSeries } from '../../compute-service/src/operators/dicom-preprocess.js';
import { inferVolume } from '../../compute-service/src/operators/onnx-inference.js';
import { startCompute } from '../../test/support/start-compute.js';

process.env['APOLLO_TELEMETRY_DISABLED'] = '1';
const seriesCount = Number(process.argv[2] ?? 8);
const slices = Number(process.argv[3] ?? 24);
const size = Number(process.argv[4] ?? 128);
const imageDir = await mkdtemp(join(tmpdir(), 'medfed-bench-compute-'));
const series = [];
for (let i = 0; i < seriesCount; i++) {
  series.push(
    await writeBrainMrSeries({
      dir: imageDir,
      patient: `PHANTOM-B${String(i).padStart(3, '0')}`,
      contrast: 'T1c',
      lesion: i % 2 === 0,
      slices,
      size,
    }),
  );
}
const images = seriesCount * slices;
const request = { ...SEED_COMPUTE_REQUEST, use_cache: false };

// 1. Raw onnxruntime-node on the same volumes (best of 3 passes).
const engine = createInferenceEngine({ log: createLogger({ name: 'bench', level: 'silent' }) });
const model = buildEnhancingLesionSegmenter();
const volumes = await Promise.all(
  series.map(async (s) =>
    preprocessSeries(
      await Promise.all(
        s.files.map(async (f) => ({ name: f, bytes: new Uint8Array(await readFile(f)) })),
      ),
      { center: 800, width: 1200 },
    ),
  ),
);
await inferVolume(engine, model, volumes[0]!, 8); // warm the session
let rawMs = Infinity;
for (let pass = 0; pass < 3; pass++) {
  const t = performance.now();
  for (const v of volumes) await inferVolume(engine, model, v, 8);
  rawMs = Math.min(rawMs, performance.now() - t);
}
await engine.close();

// 2. The pipeline end to end.
const compute = await startCompute({ imageDir });
// A first job warms the worker (threads, ONNX sessions, download cache of the model).
const warm = await compute.submit(request);
await compute.waitUntilDone(warm.body['id'], 300_000);
const runs: number[] = [];
const breakdown: { prepare: number; stages: Record<string, number> }[] = [];
for (let pass = 0; pass < 3; pass++) {
  const t = performance.now();
  const posted = await compute.submit(request);
  const job = await compute.waitUntilDone(posted.body['id'], 300_000);
  if (job['status'] !== 'SUCCEEDED') throw new Error(`job ended ${job['status']}`);
  runs.push(performance.now() - t);
  // Where the time went: preparing (fetch, headers, grouping), and each stage's compute summed.
  const stages: Record<string, number> = {};
  for (const unit of job['units'] as { stages: { name: string; duration_ms: number }[] }[])
    for (const s of unit.stages) stages[s.name] = (stages[s.name] ?? 0) + s.duration_ms;
  breakdown.push({
    prepare: Date.parse(job['started_at'] as string) - Date.parse(job['created_at'] as string),
    stages,
  });
}
const pipelineMs = Math.min(...runs);

// 3. Submit latency with the workers stopped (only the API path).
for (const w of compute.workers) await w.stop();
const latencies: number[] = [];
let next = 0;
let refused = 0;
await Promise.all(
  Array.from({ length: 20 }, async () => {
    while (next < 200) {
      next++;
      const t = performance.now();
      const r = await compute.submit(request);
      latencies.push(performance.now() - t);
      if (r.status !== 202) refused++;
    }
  }),
);
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
await compute.close();
await rm(imageDir, { recursive: true, force: true });

const rawRate = (images / rawMs) * 1000;
const pipelineRate = (images / pipelineMs) * 1000;
const row = (cells: string[]) =>
  `| ${cells.map((c, i) => c.padEnd(i === 0 ? 46 : 14)).join(' | ')} |`;
process.stdout.write(
  [
    `\n${seriesCount} series × ${slices} slices of ${size}×${size} = ${images} images; best of 3`,
    row(['path', 'time (ms)', 'images/s']),
    row(['-'.repeat(46), '-'.repeat(14), '-'.repeat(14)]),
    row(['raw onnxruntime-node inference (the limit)', rawMs.toFixed(1), rawRate.toFixed(0)]),
    row(['pipeline end to end (POST → SUCCEEDED)', pipelineMs.toFixed(1), pipelineRate.toFixed(0)]),
    row(['pipeline / raw', '', `${((pipelineRate / rawRate) * 100).toFixed(1)} %`]),
    '',
    `fastest run: preparing (fetch ${images} images, read headers) ${breakdown[runs.indexOf(pipelineMs)]!.prepare} ms; stage compute summed over units (ms): ${Object.entries(
      breakdown[runs.indexOf(pipelineMs)]!.stages,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
    `submit latency, 200 POSTs 20 at a time: p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms, refused ${refused}`,
    '',
  ].join('\n'),
);
