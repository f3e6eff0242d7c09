import { createLogger } from '#common/logging/create-logger.js';
import { onShutdown } from '#common/process/on-shutdown.js';
import { build } from './app.js';
import { readApiConfig } from './config.js';
import { loadPipelines } from './pipeline/pipeline-definition.js';
import { connectRuntime } from './runtime.js';

const config = readApiConfig(process.env);
const log = createLogger({ name: 'compute-service', level: config.logLevel });
const pipelines = await loadPipelines(config.pipelinesDir);
const runtime = connectRuntime(config);
const api = await build({
  jobs: runtime.jobs,
  queues: runtime.queues,
  store: runtime.store,
  pipelines,
  log,
  gatewayUrl: config.gatewayUrl,
  gatewayTimeoutMs: config.gatewayTimeoutMs,
  allowedHosts: config.fetch.allowedHosts,
  maxBodyBytes: config.maxBodyBytes,
  ...(config.publicUrl ? { publicUrl: config.publicUrl.replace(/\/$/, '') } : {}),
});
const url = await api.listen({ host: config.host, port: config.port });
log.info({ url, pipelines: [...pipelines.keys()] }, 'compute service ready');
onShutdown(log, async () => {
  await api.close();
  await runtime.close();
});
