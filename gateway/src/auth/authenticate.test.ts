import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from './authenticate.js';

const idp = await generateKeyPair('ES256', { extractable: true });
const jwks = JSON.stringify({
  keys: [{ ...(await exportJWK(idp.publicKey)), kid: 'k1', alg: 'ES256' }],
});
let jwksRequests = 0;
const server = createServer((_req, res) => {
  jwksRequests++;
  res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const jwksUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/jwks.json`;
afterAll(() => new Promise((r) => server.close(r)));

const token = (scp: string[]) =>
  new SignJWT({ scp })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setSubject('researcher')
    .setIssuer('https://idp.example')
    .setAudience('medfed')
    .setExpirationTime('2m')
    .sign(idp.privateKey);

describe('createAuthenticator', () => {
  it('verifies JWTs against a JWKS URL (fetched once, then cached), reading scp arrays', async () => {
    const authenticate = await createAuthenticator({
      apiKeys: [],
      jwt: { jwks: { url: jwksUrl }, issuer: 'https://idp.example', audience: 'medfed' },
    });
    const headers = { authorization: `Bearer ${await token(['phi:read'])}` };
    expect(await authenticate(headers)).toEqual({ subject: 'researcher', scopes: ['phi:read'] });
    expect(await authenticate(headers)).toEqual({ subject: 'researcher', scopes: ['phi:read'] });
    expect(jwksRequests).toBe(1);
  });

  it('lets anonymous callers in only when configured, with exactly those scopes', async () => {
    const closed = await createAuthenticator({ apiKeys: [] });
    await expect(closed({})).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    const open = await createAuthenticator({ apiKeys: [], anonymousScopes: [] });
    expect(await open({})).toEqual({ subject: 'anonymous', scopes: [] });
  });

  it('accepts an API key as a bearer token too, and refuses JWTs when none are configured', async () => {
    const key = 'mfk_abc';
    const authenticate = await createAuthenticator({
      apiKeys: [
        {
          name: 'lab',
          sha256: createHash('sha256').update(key).digest('hex'),
          scopes: ['metrics:write'],
        },
      ],
    });
    expect(await authenticate({ authorization: `Bearer ${key}` })).toEqual({
      subject: 'api-key:lab',
      scopes: ['metrics:write'],
    });
    await expect(authenticate({ authorization: `Bearer ${await token([])}` })).rejects.toThrow(
      /JWTs are not accepted/,
    );
  });
});
