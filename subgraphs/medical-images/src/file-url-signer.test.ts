import { describe, expect, it } from 'vitest';
import { createFileUrlSigner } from './file-url-signer.js';

describe('file URL signer', () => {
  let clock = 1_000_000;
  const signer = createFileUrlSigner({ secret: 'k'.repeat(32), ttlSeconds: 60, now: () => clock });
  const parts = (url: string) => {
    const u = new URL(url);
    return [
      u.searchParams.get('expires') ?? undefined,
      u.searchParams.get('signature') ?? undefined,
    ] as const;
  };

  it('accepts its own links until they expire', () => {
    const url = signer.sign('http://images.example', 'img-abc');
    expect(url).toMatch(
      /^http:\/\/images\.example\/files\/img-abc\.dcm\?expires=1000060&signature=[\w-]{43}$/,
    );
    expect(signer.verify('img-abc', ...parts(url))).toBe('ok');
    clock += 61;
    expect(signer.verify('img-abc', ...parts(url))).toBe('expired');
  });

  it('refuses another id, a changed expiry, a missing or foreign signature', () => {
    const url = signer.sign('http://x', 'img-abc');
    const [expires, signature] = parts(url);
    expect(signer.verify('img-abd', expires, signature)).toBe('invalid');
    expect(signer.verify('img-abc', String(Number(expires) + 1000), signature)).toBe('invalid');
    expect(signer.verify('img-abc', expires, undefined)).toBe('invalid');
    const other = createFileUrlSigner({ secret: 'o'.repeat(32), ttlSeconds: 60, now: () => clock });
    expect(signer.verify('img-abc', ...parts(other.sign('http://x', 'img-abc')))).toBe('invalid');
  });
});
