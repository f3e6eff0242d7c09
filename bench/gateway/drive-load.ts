/**
 * One load run, in its own process (so the load generator has its own event loop):
 *   node --import tsx bench/gateway/drive-load.ts <url> <connections> <seconds> <json body> [expected]
 * Drives POSTs with autocannon and prints one JSON line: 2xx answers/s, p50/p95/p99 latency (ms) over
 * every 2xx response's time (autocannon's own summary has no p95), the error rate (non-2xx,
 * connection errors and timeouts over all requests) and, given a file `expected`, how many answers
 * differed from it (compared as `comparableAnswer` makes them), so every answer under load is
 * checked, not only a sample.
 */
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { comparableAnswer } from './comparable-answer.js';
import { percentile } from './percentile.js';

const [url = '', connections = '50', seconds = '10', body = '', expectedFile] =
  process.argv.slice(2);
const expected = expectedFile ? await readFile(expectedFile, 'utf8') : undefined;
const times: number[] = [];
let checked = 0;
let wrong = 0;
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(
    {
      url,
      connections: Number(connections),
      duration: Number(seconds),
      timeout: 10,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          ...(expected === undefined
            ? {}
            : {
                onResponse: (status: number, answer: string) => {
                  if (status < 200 || status >= 300) return;
                  checked++;
                  if (comparableAnswer(answer) !== expected) wrong++;
                },
              }),
        },
      ],
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
    checked,
    wrong,
  })}\n`,
);
