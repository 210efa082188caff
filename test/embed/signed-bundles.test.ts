/**
 * Signed bundles through the embed API, served over real HTTP on loopback: a tampered
 * bundle, a wrong key and a rollback are each refused, and the engine keeps deciding with
 * the bundle it has.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { compilePolicies, createEngine, signBundle, TollgateError, type SignedBundle } from 'tollgate/embed';

let server: Server;
let base = '';
const served = new Map<string, SignedBundle>();
let key: JWK;
let otherKey: JWK;
let jwks: { keys: JWK[] };

async function keyPair(kid: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { privateJwk: { ...(await exportJWK(privateKey)), kid }, publicJwk: { ...(await exportJWK(publicKey)), kid } };
}

beforeAll(async () => {
  const good = await keyPair('bundle-1');
  const other = await keyPair('bundle-1'); // same kid, different key: a forger's guess
  key = good.privateJwk;
  otherKey = other.privateJwk;
  jwks = { keys: [good.publicJwk] };
  server = createServer((req, res) => {
    const body = served.get(req.url ?? '');
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());

const allow = compilePolicies({ 'p.yaml': 'rules:\n  - id: read\n    effect: allow\n    actions: ["db.query"]\n' });
const deny = compilePolicies({ 'p.yaml': 'rules:\n  - id: read\n    effect: deny\n    actions: ["db.query"]\n' });
const query = { agent: { id: 'a1' }, action: 'db.query', resource: 'db:x' };

async function serve(path: string, envelope: SignedBundle): Promise<string> {
  served.set(path, envelope);
  return `${base}${path}`;
}

describe('engine.loadBundle', () => {
  it('loads a signed bundle and decides with it', async () => {
    const engine = await createEngine({ bundle: allow });
    const url = await serve('/v2', await signBundle(deny.bytes, 2, key));
    expect(await engine.loadBundle(url, { jwks })).toEqual({ version: 2, hash: deny.hash });
    expect(engine.version).toBe(2);
    expect(engine.decide(query).decision).toBe('deny');
  });

  it.each([
    [
      'a tampered bundle',
      async () => ({ ...(await signBundle(deny.bytes, 5, key)), bundle: Buffer.from(allow.bytes).toString('base64') }),
      /does not match its hash/,
    ],
    [
      'a tampered hash and bundle',
      async () => ({
        ...(await signBundle(deny.bytes, 5, key)),
        bundle: Buffer.from(allow.bytes).toString('base64'),
        hash: allow.hash,
      }),
      /signature does not verify/,
    ],
    [
      'a raised version',
      async () => ({ ...(await signBundle(deny.bytes, 5, key)), version: 6 }),
      /signature does not verify/,
    ],
    ['a signature by the wrong key', async () => signBundle(deny.bytes, 5, otherKey), /signature does not verify/],
    [
      'an attached signature',
      async () => {
        const e = await signBundle(deny.bytes, 5, key);
        return { ...e, signature: e.signature.replace('..', '.e30.') };
      },
      /detached compact JWS/,
    ],
  ])('%s is refused and the current bundle stays', async (_name, make, reason) => {
    const engine = await createEngine({ bundle: allow });
    const url = await serve(`/bad-${Math.random()}`, await make());
    const failure = engine.loadBundle(url, { jwks });
    await expect(failure).rejects.toThrow(TollgateError);
    await expect(failure).rejects.toThrow(reason);
    expect(engine.hash).toBe(allow.hash);
    expect(engine.decide(query).decision).toBe('allow');
  });

  it('refuses to roll back to a lower version', async () => {
    const engine = await createEngine({ bundle: allow });
    await engine.loadBundle(await serve('/v10', await signBundle(deny.bytes, 10, key)), { jwks });
    const older = engine.loadBundle(await serve('/v9', await signBundle(allow.bytes, 9, key)), { jwks });
    await expect(older).rejects.toThrow(/version 9 would roll back the version in force, 10/);
    expect(engine.version).toBe(10);
    expect(engine.decide(query).decision).toBe('deny');
  });

  it('an HTTP failure is refused', async () => {
    const engine = await createEngine({ bundle: allow });
    await expect(engine.loadBundle(`${base}/missing`, { jwks })).rejects.toThrow(/http 404/);
    expect(engine.decide(query).decision).toBe('allow');
  });
});
