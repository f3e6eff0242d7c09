import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDynalite } from '#common/dynamo/start-dynalite.js';
import { writeDemoImageSet } from '#fixtures/dicom-phantoms.js';
import {
  REGISTER_MODEL,
  SAMPLE_MODELS,
  SEED_MODEL_NAME,
  SEED_QUERY,
} from '#fixtures/sample-models.js';
import { runService, type RunningService } from './run-service.js';

/**
 * The demo on embedded defaults: dynalite, the three subgraphs and the gateway on localhost, each
 * service its own process (as institutions would run them); sample models and generated DICOM
 * phantoms; the seed's federated query; then the gateway stays up until Ctrl-C (or exits with
 * --once).
 */
const { values } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    port: { type: 'string', default: '4000' },
    dir: { type: 'string', default: '.medfed/demo' },
  },
});
const root = resolve(values.dir);
const imageDir = join(root, 'images');
const logDir = join(root, 'logs');
const say = (text: string) => process.stdout.write(`${text}\n`);

await rm(root, { recursive: true, force: true });
await mkdir(logDir, { recursive: true });

say('medfed demo — everything on 127.0.0.1, no cloud account');
say(`  writing DICOM phantoms to ${imageDir}`);
const series = await writeDemoImageSet(imageDir);
say(`  ${series.reduce((n, s) => n + s.files.length, 0)} images in ${series.length} series`);

const dynamo = await startDynalite({ path: join(root, 'dynalite') });
say(`  dynalite (DynamoDB API) at ${dynamo.endpoint}`);

const services: RunningService[] = [];
async function shutdown(code: number): Promise<never> {
  for (const s of services.reverse()) await s.stop();
  await dynamo.close();
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  const common = { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' };
  const dynamoEnv = { ...common, DYNAMODB_ENDPOINT: dynamo.endpoint, DYNAMODB_REGION: 'local' };
  const start = (
    name: string,
    entry: string,
    env: Record<string, string>,
    readyMessage = 'subgraph ready',
  ) =>
    runService({ name, entry, env, readyMessage, logFile: join(logDir, `${name}.log`) }).then(
      (s) => {
        services.push(s);
        say(`  ${name.padEnd(15)} ${s.url}`);
        return s;
      },
    );
  const [aiModels, medicalImages, metrics] = await Promise.all([
    start('ai-models', 'subgraphs/ai-models/src/main.ts', dynamoEnv),
    start('medical-images', 'subgraphs/medical-images/src/main.ts', {
      ...common,
      IMAGE_FOLDER: imageDir,
    }),
    start('metrics', 'subgraphs/metrics/src/main.ts', dynamoEnv),
  ]);
  const gateway = await start(
    'gateway',
    'gateway/src/main.ts',
    {
      ...common,
      PORT: values.port,
      SUBGRAPHS: [
        `ai-models=${aiModels.url}`,
        `medical-images=${medicalImages.url}`,
        `metrics=${metrics.url}`,
      ].join(','),
      INTROSPECTION: 'true',
    },
    'gateway ready',
  );

  const query = async (q: string, variables?: Record<string, unknown>) => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: q, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
    return body.data!;
  };

  for (const input of SAMPLE_MODELS) await query(REGISTER_MODEL, { input });
  say(`  registered ${SAMPLE_MODELS.length} sample models through the gateway`);

  say(`\nThe seed's federated query, models(name: "${SEED_MODEL_NAME}"):\n`);
  const answer = await query(SEED_QUERY, { name: SEED_MODEL_NAME });
  say(JSON.stringify(answer, null, 2));

  say(`\nGateway: ${gateway.url}  (POST GraphQL; introspection is on for the demo)`);
  say(`Health:  ${gateway.url.replace(/graphql$/, 'health')}`);
  say(`Logs:    ${logDir}`);
  say(`Try:     curl -s ${gateway.url} -H 'content-type: application/json' \\`);
  say(
    `           -d '{"query":"{ medicalImages(filter: {modality: \\"CT\\"}) { totalCount nodes { id type url } } }"}'`,
  );
  if (values.once) await shutdown(0);
  say('\nRunning; Ctrl-C stops everything.');
} catch (error) {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  await shutdown(1);
}
