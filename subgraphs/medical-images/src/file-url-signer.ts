import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Image file URLs are capabilities: `/files/<id>.dcm?expires=<unix s>&signature=<HMAC>`, minted
 * only by the GraphQL resolver (so only for callers the gateway let in) and valid for `ttlSeconds`.
 */
export function createFileUrlSigner(options: {
  secret: string;
  ttlSeconds: number;
  now?: () => number;
}) {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const mac = (id: string, expires: number) =>
    createHmac('sha256', options.secret).update(`medfed-file\0${id}\0${expires}`).digest();
  return {
    sign(baseUrl: string, id: string): string {
      const expires = now() + options.ttlSeconds;
      return `${baseUrl}/files/${id}.dcm?expires=${expires}&signature=${mac(id, expires).toString('base64url')}`;
    },
    /** 'ok', or why not: the route answers 403 for 'invalid', 410 for 'expired'. */
    verify(
      id: string,
      expires: string | undefined,
      signature: string | undefined,
    ): 'ok' | 'invalid' | 'expired' {
      const at = Number(expires);
      if (!expires || !signature || !Number.isInteger(at)) return 'invalid';
      const expected = mac(id, at);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
      return at < now() ? 'expired' : 'ok';
    },
  };
}

export type FileUrlSigner = ReturnType<typeof createFileUrlSigner>;
