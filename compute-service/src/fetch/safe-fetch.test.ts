import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContentCache } from './content-cache.js';
import { FetchRefusedError, safeFetch } from './safe-fetch.js';

let server: Server;
let port: number;
let hits = 0;
const dir = mkdtempSync(join(tmpdir(), 'medfed-fetch-'));
beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/model.onnx') return res.end('model-bytes');
    if (req.url === '/big') return res.end('x'.repeat(5000));
    if (req.url === '/to-metadata')
      return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (req.url === '/to-elsewhere')
      return res.writeHead(302, { location: 'http://evil.example/' }).end();
    if (req.url === '/to-model') return res.writeHead(301, { location: '/model.onnx' }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const policy = () => ({
  allowedHosts: [`127.0.0.1:${port}`],
  maxBytes: 1000,
  timeoutMs: 5000,
  allowLoopback: true,
});
const base = () => `http://127.0.0.1:${port}`;

describe('safeFetch', () => {
  it('fetches an allowed URL, following same-host redirects', async () => {
    expect(Buffer.from(await safeFetch(`${base()}/to-model`, policy())).toString()).toBe(
      'model-bytes',
    );
  });

  it.each([
    [
      'a host not on the allow-list',
      () => 'http://models.example/m.onnx',
      /models\.example:80 is not on the fetch allow-list/,
    ],
    [
      'the right host on another port',
      () => `http://127.0.0.1:${port + 1}/m`,
      /is not on the fetch allow-list/,
    ],
    ['a non-http scheme', () => 'file:///etc/passwd', /file: URLs are not fetched/],
    ['credentials in the URL', () => `http://u:p@127.0.0.1:${port}/model.onnx`, /credentials/],
    [
      'a redirect to the metadata service',
      () => `${base()}/to-metadata`,
      /169\.254\.169\.254:80 is not on the fetch allow-list/,
    ],
    [
      'a redirect to another host',
      () => `${base()}/to-elsewhere`,
      /evil\.example:80 is not on the fetch allow-list/,
    ],
    ['a body over the size cap', () => `${base()}/big`, /larger than 1000 bytes/],
    ['a 404', () => `${base()}/missing`, /answered HTTP 404/],
  ])('refuses %s', async (_what, url, message) => {
    const error = await safeFetch(url(), policy()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchRefusedError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses forbidden addresses even when their name is allowed', async () => {
    const metadata = {
      ...policy(),
      allowedHosts: ['169.254.169.254', 'localhost'],
      allowLoopback: false,
    };
    await expect(safeFetch('http://169.254.169.254/latest/meta-data/', metadata)).rejects.toThrow(
      /link-local address 169\.254\.169\.254/,
    );
    await expect(safeFetch('http://localhost/x', metadata)).rejects.toThrow(/loopback address/);
  });
});

describe('content cache', () => {
  it('downloads each URL once, shares concurrent downloads, and checks expected checksums', async () => {
    hits = 0;
    const cache = createContentCache({ dir, fetch: (url) => safeFetch(url, policy()) });
    const url = `${base()}/model.onnx`;
    const [a, b] = await Promise.all([cache.get(url), cache.get(url)]);
    expect(a.sha256).toBe(b.sha256);
    expect(hits).toBe(1);
    const again = await createContentCache({ dir, fetch: (u) => safeFetch(u, policy()) }).get(
      `${url}?signature=new`,
    );
    expect(again).toMatchObject({ fetched: false, sha256: a.sha256 });
    expect(hits).toBe(1);
    await expect(cache.get(`${base()}/big`, 'f'.repeat(64))).rejects.toThrow(/larger than/);
    await expect(
      createContentCache({ dir: join(dir, 'other'), fetch: (u) => safeFetch(u, policy()) }).get(
        url,
        '0'.repeat(64),
      ),
    ).rejects.toThrow(/checksum mismatch/);
  });
});
