import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIdentitySigner,
  createIdentityVerifier,
  IDENTITY_HEADER,
} from '#common/auth/identity-token.js';
import { createLogger } from '#common/logging/create-logger.js';
import { testDeidentifier } from '#common/testing/test-deidentifier.js';
import { writeBrainMrSeries } from '#fixtures/dicom-phantoms.js';
import { SAMPLE_MODELS } from '#fixtures/sample-models.js';
import { build as buildGateway, type GatewayServer } from '../gateway/src/app.js';
import { build as buildAiModels } from '../subgraphs/ai-models/src/app.js';
import { createMemoryModelStore } from '../subgraphs/ai-models/src/memory-model-store.js';
import { build as buildImages } from '../subgraphs/medical-images/src/app.js';
import { createFileUrlSigner } from '../subgraphs/medical-images/src/file-url-signer.js';
import { createFolderImageSource } from '../subgraphs/medical-images/src/folder-image-source.js';
import { DEFAULT_LIMITS } from './support/start-stack.js';

/** Who may see what: gateway authentication, scopes enforced in subgraphs, no bypass. */
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
const log = createLogger({ name: 'test', level: 'silent' });
const ISSUER = 'https://idp.hospital-a.example';
const AUDIENCE = 'medfed';
const API_KEY = 'mfk_test_key_for_the_evaluation_lab';
let dir: string;
let gateway: GatewayServer;
let gatewayUrl: string;
const subgraphUrls: Record<string, string> = {};
const closers: (() => Promise<void>)[] = [];
let idpKey: SigningKey;
let identityPrivate: JWK;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medfed-auth-'));
  await writeBrainMrSeries({
    dir: join(dir, 'images'),
    patient: 'PHANTOM-AUTH',
    contrast: 'T1c',
    slices: 2,
    size: 8,
  });
  // The identity provider's signing key, published as a JWKS file.
  const idp = await generateKeyPair('RS256', { extractable: true });
  idpKey = idp.privateKey;
  await writeFile(
    join(dir, 'jwks.json'),
    JSON.stringify({ keys: [{ ...(await exportJWK(idp.publicKey)), kid: 'idp-1', alg: 'RS256' }] }),
  );
  // The gateway's identity key pair: subgraphs get only the public half.
  const identity = await generateKeyPair('EdDSA', { extractable: true });
  identityPrivate = await exportJWK(identity.privateKey);
  const verifyIdentity = await createIdentityVerifier(await exportJWK(identity.publicKey));

  const models = await buildAiModels({ store: createMemoryModelStore(), log, verifyIdentity });
  const source = await createFolderImageSource({
    root: join(dir, 'images'),
    log,
    pseudonyms: testDeidentifier,
  });
  let imagesUrl = '';
  const images = await buildImages({
    source,
    log,
    publicUrl: () => imagesUrl,
    deidentifier: testDeidentifier,
    fileUrls: createFileUrlSigner({ secret: 'test-file-url-secret', ttlSeconds: 3600 }),
    verifyIdentity,
  });
  for (const [name, server] of [
    ['ai-models', models],
    ['medical-images', images],
  ] as const) {
    const url = await server.listen({ host: '127.0.0.1', port: 0 });
    if (name === 'medical-images') imagesUrl = url;
    subgraphUrls[name] = `${url}/graphql`;
    closers.push(() => server.close());
  }
  gateway = buildGateway(
    {
      supergraph: {
        kind: 'subgraphs',
        subgraphs: Object.entries(subgraphUrls).map(([name, url]) => ({ name, url })),
        pollIntervalMs: 0,
      },
      limits: DEFAULT_LIMITS,
      introspection: false,
      subgraphTimeoutMs: 5_000,
      startupTimeoutMs: 10_000,
      auth: {
        apiKeys: [
          {
            name: 'evaluation-lab',
            sha256: createHash('sha256').update(API_KEY).digest('hex'),
            scopes: ['models:write'],
          },
        ],
        jwt: { jwks: { file: join(dir, 'jwks.json') }, issuer: ISSUER, audience: AUDIENCE },
      },
      identityPrivateKey: identityPrivate,
    },
    { log },
  );
  gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  await gateway.ready;
});

afterAll(async () => {
  await gateway?.close();
  for (const close of closers) await close();
  await rm(dir, { recursive: true, force: true });
});

const jwt = (
  claims: Record<string, unknown>,
  opts: { expiresIn?: string; issuer?: string; audience?: string; key?: SigningKey } = {},
) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
    .setSubject('researcher-42')
    .setIssuer(opts.issuer ?? ISSUER)
    .setAudience(opts.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '5m')
    .sign(opts.key ?? idpKey);

async function query(
  q: string,
  headers: Record<string, string> = {},
  url = `${gatewayUrl}/graphql`,
) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: q }),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: Record<string, unknown> | null;
      errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
    },
  };
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const PHI_QUERY = '{ medicalImages { totalCount nodes { id type patientPseudonym } } }';

describe('gateway authentication', () => {
  it('refuses missing, expired, forged and mis-addressed tokens with 401', async () => {
    const other = await generateKeyPair('RS256');
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /Authentication required/],
      [bearer(await jwt({ scope: 'phi:read' }, { expiresIn: '-1m' })), /Invalid token: expired/],
      [
        bearer(await jwt({ scope: 'phi:read' }, { key: other.privateKey })),
        /Invalid token: signature verification failed/,
      ],
      [
        bearer(await jwt({ scope: 'phi:read' }, { audience: 'someone-else' })),
        /Invalid token: aud claim check failed/,
      ],
      [
        bearer(await jwt({ scope: 'phi:read' }, { issuer: 'https://evil.example' })),
        /Invalid token: iss claim check failed/,
      ],
      [{ 'x-api-key': 'mfk_wrong' }, /Unknown API key/],
      [{ authorization: 'Basic dXNlcjpwYXNz' }, /Bearer/],
    ];
    for (const [headers, message] of cases) {
      const { status, body } = await query('{ models { id } }', headers);
      expect(status).toBe(401);
      expect(body.errors![0]!.extensions!['code']).toBe('UNAUTHENTICATED');
      expect(body.errors![0]!.message).toMatch(message);
    }
  });

  it('without phi:read: a field-level FORBIDDEN, the rest of the query answered', async () => {
    const { status, body } = await query(PHI_QUERY, bearer(await jwt({ scope: 'models:read' })));
    expect(status).toBe(200);
    const conn = body.data!['medicalImages'] as {
      totalCount: number;
      nodes: { id: string; patientPseudonym: string | null }[];
    };
    expect(conn.totalCount).toBe(2);
    expect(conn.nodes.every((n) => n.id.startsWith('img-') && n.patientPseudonym === null)).toBe(
      true,
    );
    expect(body.errors).toHaveLength(2);
    expect(body.errors![0]).toMatchObject({
      message: 'MedicalImage.patientPseudonym needs the phi:read scope',
      path: ['medicalImages', 'nodes', 0, 'patientPseudonym'],
      extensions: { code: 'FORBIDDEN', scope: 'phi:read' },
    });
  });

  it('filtering by study date needs phi:read; dates are validated', async () => {
    const q = (from: string) =>
      `{ medicalImages(filter: { studyDateFrom: "${from}" }) { totalCount } }`;
    const denied = await query(q('2026-01-01'), bearer(await jwt({ scope: 'models:read' })));
    expect(denied.body.errors![0]!.extensions!['code']).toBe('FORBIDDEN');
    expect(denied.body.errors![0]!.message).toBe(
      'Filtering by study date needs the phi:read scope',
    );
    const allowed = await query(q('2026-01-01'), bearer(await jwt({ scope: 'phi:read' })));
    expect(allowed.body.data).toEqual({ medicalImages: { totalCount: 2 } });
    const later = await query(q('2026-01-02'), bearer(await jwt({ scope: 'phi:read' })));
    expect(later.body.data).toEqual({ medicalImages: { totalCount: 0 } });
    const bad = await query(q('2026-02-30'), bearer(await jwt({ scope: 'phi:read' })));
    expect(bad.body.errors![0]).toMatchObject({
      message: 'studyDateFrom must be a date, YYYY-MM-DD',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('with phi:read (JWT scope claim): the pseudonym is served', async () => {
    const { body } = await query(PHI_QUERY, bearer(await jwt({ scope: 'models:read phi:read' })));
    expect(body.errors).toBeUndefined();
    const nodes = (body.data!['medicalImages'] as { nodes: { patientPseudonym: string }[] }).nodes;
    expect(nodes.map((n) => n.patientPseudonym)).toEqual([
      testDeidentifier.patient('PHANTOM-AUTH'),
      testDeidentifier.patient('PHANTOM-AUTH'),
    ]);
  });

  it('API keys carry their scopes: registering a model needs models:write', async () => {
    const mutation = `mutation ($input: RegisterModelInput!) { registerModel(input: $input) { id } }`;
    const send = (headers: Record<string, string>) =>
      fetch(`${gatewayUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: mutation, variables: { input: SAMPLE_MODELS[0] } }),
      }).then(
        (r) => r.json() as Promise<{ data: unknown; errors?: { extensions: { code: string } }[] }>,
      );
    const refused = await send(bearer(await jwt({ scp: ['phi:read'] })));
    expect(refused.errors![0]!.extensions.code).toBe('FORBIDDEN');
    const allowed = await send({ 'x-api-key': API_KEY });
    expect(allowed.errors).toBeUndefined();
    const models = await query('{ models { name } }', { 'x-api-key': API_KEY });
    expect(models.body.data).toEqual({ models: [{ name: SAMPLE_MODELS[0].name }] });
  });
});

describe('subgraphs only answer the gateway', () => {
  it('refuses a direct call without, or with a forged, gateway identity', async () => {
    for (const url of Object.values(subgraphUrls)) {
      const direct = await query('{ _service { sdl } }', {}, url);
      expect(direct.status).toBe(401);
      expect(direct.body.errors![0]).toMatchObject({
        message: 'Requests must come through the gateway',
        extensions: { code: 'UNAUTHENTICATED' },
      });
      const forger = await createIdentitySigner(
        await exportJWK((await generateKeyPair('EdDSA', { extractable: true })).privateKey),
      );
      const forged = await query(
        '{ _service { sdl } }',
        { [IDENTITY_HEADER]: await forger({ subject: 'mallory', scopes: ['*'] }) },
        url,
      );
      expect(forged.status).toBe(401);
      expect(forged.body.errors![0]!.message).toBe('Invalid gateway identity');
    }
    const genuine = await createIdentitySigner(identityPrivate);
    const ok = await query(
      '{ _service { sdl } }',
      { [IDENTITY_HEADER]: await genuine({ subject: 'ops', scopes: [] }) },
      subgraphUrls['ai-models'],
    );
    expect(ok.status).toBe(200);
  });
});
