import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { MedfedError } from '#common/errors/medfed-error.js';

/** Why a URL from a query result was not fetched; the job fails for that input only. */
export class FetchRefusedError extends MedfedError {
  constructor(message: string) {
    super('BAD_USER_INPUT', message);
    this.name = 'FetchRefusedError';
  }
}

export interface FetchPolicy {
  /** Hosts (exact names, or `*.domain`) that may be fetched, with their ports (`host:port`). */
  readonly allowedHosts: readonly string[];
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly maxRedirects?: number;
  /** Loopback is refused unless allowed (tests and the embedded demo run on 127.0.0.1). */
  readonly allowLoopback?: boolean;
}

/**
 * Fetches a URL that came from a query result, so that it cannot become a way into the network:
 * http(s) only; host:port must be on the allow-list; the host's addresses must not be link-local
 * (cloud metadata lives at 169.254.169.254), unspecified, multicast or, unless allowed, loopback;
 * redirects are followed by hand and each hop is checked the same way; size and time are capped.
 */
export async function safeFetch(url: string, policy: FetchPolicy): Promise<Uint8Array> {
  let current = url;
  for (let hop = 0; hop <= (policy.maxRedirects ?? 3); hop++) {
    await check(current, policy);
    let response: Response;
    try {
      response = await fetch(current, {
        redirect: 'manual',
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
    } catch (error) {
      throw new FetchRefusedError(
        `${redact(current)} is unreachable (${(error as Error).message})`,
      );
    }
    if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
      current = new URL(response.headers.get('location')!, current).toString();
      continue;
    }
    if (!response.ok)
      throw new FetchRefusedError(`${redact(current)} answered HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > policy.maxBytes)
      throw new FetchRefusedError(`${redact(current)} is larger than ${policy.maxBytes} bytes`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += (chunk as Uint8Array).byteLength;
      if (size > policy.maxBytes)
        throw new FetchRefusedError(`${redact(current)} is larger than ${policy.maxBytes} bytes`);
      chunks.push(chunk as Uint8Array);
    }
    return new Uint8Array(Buffer.concat(chunks));
  }
  throw new FetchRefusedError(`${redact(url)}: too many redirects`);
}

async function check(raw: string, policy: FetchPolicy): Promise<void> {
  if (!URL.canParse(raw)) throw new FetchRefusedError(`not a URL: ${raw.slice(0, 100)}`);
  const url = new URL(raw);
  const refusal = allowListRefusal(url, policy.allowedHosts);
  if (refusal) throw new FetchRefusedError(refusal);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const addresses = isIP(host)
    ? [host]
    : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new FetchRefusedError(`${host} does not resolve`);
  for (const address of addresses) {
    const reason = forbidden(address, policy.allowLoopback ?? false);
    if (reason) throw new FetchRefusedError(`${host} resolves to ${reason} address ${address}`);
  }
}

/**
 * Why a URL is not on the allow-list (scheme, credentials, host:port), or undefined when it is.
 * Checked when a job is submitted, and again (with address checks) before every fetch.
 */
export function allowListRefusal(url: URL, allowedHosts: readonly string[]): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `${url.protocol} URLs are not fetched`;
  if (url.username || url.password) return 'URLs with credentials are not fetched';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const allowed = allowedHosts.some((entry) => {
    const [pattern, allowedPort] = entry.toLowerCase().split(/:(?=\d+$)/);
    const hostMatches = pattern!.startsWith('*.')
      ? host.endsWith(pattern!.slice(1))
      : host === pattern;
    return hostMatches && (allowedPort === undefined || allowedPort === port);
  });
  return allowed ? undefined : `${host}:${port} is not on the fetch allow-list`;
}

/** Address classes never fetched: link-local (metadata), unspecified, multicast, loopback. */
function forbidden(address: string, allowLoopback: boolean): string | undefined {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number) as [number, number];
    if (a === 169 && b === 254) return 'a link-local';
    if (a === 0) return 'an unspecified';
    if (a >= 224) return 'a multicast or reserved';
    if (a === 127 && !allowLoopback) return 'a loopback';
    if (a === 100 && b >= 64 && b <= 127) return 'a carrier-grade NAT';
    return undefined;
  }
  const v6 = address.toLowerCase();
  if (v6 === '::') return 'an unspecified';
  if (v6 === '::1' && !allowLoopback) return 'a loopback';
  if (/^fe[89ab]/.test(v6)) return 'a link-local';
  if (v6.startsWith('ff')) return 'a multicast';
  return undefined;
}

/** URLs may carry signatures or tokens in their query: never show those. */
function redact(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}
