/**
 * One load run, in its own process (so the load generator has its own event loop):
 *   node --import tsx bench/gateway/drive-load.ts <url> <connections> <seconds> <json body>
 * Drives POSTs with autocannon and prints one JSON line: 2xx answers/s, p50/p95/p99 latency (ms) over
 * every 2xx response's time (autocannon's own summary has no p95), and the error rate (non-2xx,
 * connection errors and timeouts over all requests).
 */
import autocannon from 'autocannon';
import { percentile } from './percentile.js';

const [url = '', connections = '50', seconds = '10', body = ''] = process.argv.slice(2);
const times: number[] = [];
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(
    {
      url,
      connections: Number(connections),
      duration: Number(seconds),
      timeout: 10,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    },
    (error, done) => (error ? reject(error as Error) : resolve(done)),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
  });
});
times.sort((a, b) => a - b);
const total = result.requests.total + result.errors;
const failed = result.errors + result.timeouts + result.non2xx;
process.stdout.write(
  `${JSON.stringify({
    rps: times.length / Number(seconds),
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    errorRate: total ? failed / total : 1,
  })}\n`,
);
