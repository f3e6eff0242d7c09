import { createHash, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDynalite } from '#common/dynamo/start-dynalite.js';
import { writeDemoImageSet } from '#fixtures/dicom-phantoms.js';
import { startRedis } from '#common/redis/start-redis.js';
import {
  CLASSIFIER_MODEL_NAME,
  pipelineModelRegistrations,
  startModelRepository,
} from '#fixtures/model-repository.js';
import {
  REGISTER_MODEL,
  SEED_COMPUTE_REQUEST,
  SEED_MODEL_NAME,
  SEED_QUERY,
} from '#fixtures/sample-models.js';
import { createRegistryClient } from '../schema-registry/src/client/registry-client.js';
import { gatewayNodeFlags } from '../gateway/src/heap-budget.js';
import { runService, type RunningService } from '#common/process/run-service.js';

/**
 * The demo on embedded defaults: dynalite, Redis, the schema registry, the three subgraphs, the
 * gateway, the compute service and its CPU and GPU workers on localhost, each service its own
 * process (as institutions would run them). Each subgraph joins by publishing itself to the
 * registry; the gateway follows the registry. Then sample models (the two pipeline models with
 * the url and sha256 of medfed's generated ONNX files), generated DICOM phantoms, the seed's
 * federated query and the seed's compute request; everything stays up until Ctrl-C (or exits
 * with --once).
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
const redis = await startRedis({ dir: join(root, 'redis') });
say(`  redis-server at ${redis.url}`);
const modelRepo = await startModelRepository(join(root, 'models'));
say(`  model repository (generated ONNX models) at ${modelRepo.url}`);

const services: RunningService[] = [];
async function shutdown(code: number): Promise<never> {
  for (const s of services.reverse()) await s.stop();
  await modelRepo.close();
  await redis.close();
  await dynamo.close();
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  const common = { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' };
  const dynamoEnv = { DYNAMODB_ENDPOINT: dynamo.endpoint, DYNAMODB_REGION: 'local' };
  const start = (
    name: string,
    entry: string,
    env: Record<string, string>,
    readyMessage: string,
    nodeArgs: string[] = [],
  ) =>
    runService({
      name,
      entry,
      nodeArgs,
      env: { ...common, ...env },
      readyMessage,
      logFile: join(logDir, `${name}.log`),
    }).then((s) => {
      services.push(s);
      say(`  ${name.padEnd(15)} ${s.url}`);
      return s;
    });

  // The gateway's identity key pair: subgraphs get only the public half, to refuse bypasses.
  const identityKeys = await generateKeyPair('EdDSA', { extractable: true });
  const identity = {
    GATEWAY_PUBLIC_KEY: JSON.stringify(await exportJWK(identityKeys.publicKey)),
  };
  // The demo's own API key (for registering sample models); anonymous callers may read, no PHI.
  const apiKey = `mfk_${randomBytes(24).toString('base64url')}`;
  await writeFile(join(root, 'api-key'), `${apiKey}\n`, { mode: 0o600 });

  // The registry, and one publishing token per institution's subgraph (the admin token stays here).
  const adminToken = randomBytes(24).toString('base64url');
  await writeFile(join(root, 'admin-token'), `${adminToken}\n`, { mode: 0o600 });
  const registry = await start(
    'schema-registry',
    'schema-registry/src/main.ts',
    { ...dynamoEnv, REGISTRY_ADMIN_TOKEN: adminToken },
    'schema registry ready',
  );
  const admin = createRegistryClient({ url: registry.url, token: adminToken });
  const tokenFor = (holder: string, subgraphs: string[]) => admin.issueToken(holder, subgraphs);
  const joins = (name: string, holder: string) =>
    tokenFor(holder, [name]).then((token) => ({
      REGISTER_ON_START: 'true',
      REGISTRY_URL: registry.url,
      REGISTRY_TOKEN: token,
    }));

  // Each subgraph joins the graph by starting: it publishes itself to the registry.
  const registered = 'registered with the schema registry';
  await start(
    'ai-models',
    'subgraphs/ai-models/src/main.ts',
    { ...dynamoEnv, ...identity, ...(await joins('ai-models', 'Model hub')) },
    registered,
  );
  const [images] = await Promise.all([
    start(
      'medical-images',
      'subgraphs/medical-images/src/main.ts',
      {
        IMAGE_FOLDER: imageDir,
        DEID_SECRET: randomBytes(24).toString('base64url'),
        SITE_NAME: 'Hospital A',
        ...identity,
        ...(await joins('medical-images', 'Hospital A PACS')),
      },
      registered,
    ),
    start(
      'metrics',
      'subgraphs/metrics/src/main.ts',
      { ...dynamoEnv, ...identity, ...(await joins('metrics', 'Evaluation lab')) },
      registered,
    ),
  ]);
  const gateway = await start(
    'gateway',
    'gateway/src/main.ts',
    {
      PORT: values.port,
      REGISTRY_URL: registry.url,
      REGISTRY_TOKEN: await tokenFor('gateway', []),
      SUPERGRAPH_CACHE_PATH: join(root, 'gateway', 'supergraph.json'),
      INTROSPECTION: 'true',
      IDENTITY_PRIVATE_KEY: JSON.stringify(await exportJWK(identityKeys.privateKey)),
      AUTH_API_KEYS: JSON.stringify([
        {
          name: 'demo',
          sha256: createHash('sha256').update(apiKey).digest('hex'),
          scopes: ['models:write', 'metrics:write', 'phi:read'],
        },
      ]),
      AUTH_ANONYMOUS_SCOPES: '',
    },
    'gateway ready',
    gatewayNodeFlags(process.env),
  );

  const query = async (q: string, variables?: Record<string, unknown>) => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ query: q, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
    return body.data!;
  };

  const models = pipelineModelRegistrations(modelRepo);
  for (const input of models) await query(REGISTER_MODEL, { input });
  say(`  registered ${models.length} sample models through the gateway (2 with ONNX url + sha256)`);

  // The compute service and its workers: CPU stages and GPU stages on their own queues.
  const computeEnv = {
    REDIS_URL: redis.url,
    STORAGE_DIR: join(root, 'compute', 'storage'),
    CACHE_DIR: join(root, 'compute', 'cache'),
    FETCH_ALLOW_HOSTS: [new URL(images.url).host, modelRepo.host].join(','),
    FETCH_ALLOW_LOOPBACK: 'true',
  };
  const compute = await start(
    'compute-service',
    'compute-service/src/main.ts',
    { ...computeEnv, GATEWAY_URL: gateway.url },
    'compute service ready',
  );
  await start(
    'worker-cpu',
    'compute-service/src/worker-main.ts',
    { ...computeEnv, WORKER_QUEUES: 'cpu' },
    'compute worker ready',
  );
  await start(
    'worker-gpu',
    'compute-service/src/worker-main.ts',
    { ...computeEnv, WORKER_QUEUES: 'gpu', WORKER_CONCURRENCY: '1' },
    'compute worker ready',
  );

  say(`\nThe seed's federated query, models(name: "${SEED_MODEL_NAME}"):\n`);
  const answer = await query(SEED_QUERY, { name: SEED_MODEL_NAME });
  say(JSON.stringify(answer, null, 2));

  say(`\nThe seed's compute request (brain-tumor-pipeline on those images):`);
  const request = SEED_COMPUTE_REQUEST;
  const posted = await fetch(`${compute.url}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify(request),
  });
  const accepted = (await posted.json()) as {
    id: string;
    status: string;
    jobs: string;
    render: string;
  };
  say(`  ${posted.status} ${JSON.stringify(accepted)}`);
  let job: { status: string; progress: { units: { succeeded: number; total: number } } };
  do {
    await new Promise((r) => setTimeout(r, 250));
    job = (await (await fetch(accepted.jobs)).json()) as typeof job;
  } while (job.status === 'QUEUED' || job.status === 'RUNNING');
  const results = (await (await fetch(`${accepted.jobs}/results`)).json()) as {
    units: {
      id: string;
      summary: { postprocess?: { totals: { name: string; volumeMm3: number }[] } };
    }[];
  };
  say(`  ${job.status}: ${job.progress.units.succeeded}/${job.progress.units.total} series`);
  for (const unit of results.units) {
    const totals = unit.summary.postprocess?.totals ?? [];
    say(
      `    ${unit.id}: ${totals.length ? totals.map((t) => `${t.name} ${t.volumeMm3.toFixed(0)} mm³`).join(', ') : 'no lesion found'}`,
    );
  }
  say(`  Job:    ${accepted.jobs}`);
  say(`  Render: ${accepted.render}`);

  say(`\nGateway: ${gateway.url}  (POST GraphQL; introspection is on for the demo)`);
  say(`Health:  ${gateway.url.replace(/graphql$/, 'health')}`);
  say(`Registry: ${registry.url}  (admin token in ${join(root, 'admin-token')})`);
  say(
    `          npm run medfed -- supergraph history --registry ${registry.url} --token "$(cat ${join(root, 'admin-token')})"`,
  );
  say(`API key: ${join(root, 'api-key')} (X-Api-Key; scopes models:write metrics:write phi:read)`);
  say('         anonymous requests may read, but not patient pseudonyms (phi:read)');
  say(`Compute: ${compute.url}/v1/jobs  (OpenAPI at ${compute.url}/openapi.json)`);
  say(
    `         npm run medfed -- job submit --compute ${compute.url} --api-key "$(cat ${join(root, 'api-key')})" \\`,
  );
  say(
    `           --pipeline chest-xray-opacity-pipeline --input-tag cxr --query '{ models(name: "${CLASSIFIER_MODEL_NAME}") { id medicalImages { id type url } } }'`,
  );
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
