// How authentication is configured: production's defaults, the warning when it is off, and
// tokens verified by keys published at a JWKS URL (RS256, ES256) with issuer and audience checks.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurrentWorkspaceDocument } from '../gql/graphql.ts';
import { loadConfig, securityWarnings } from '../../src/server/config.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { authEnv, bearer, mintToken } from '../support/auth.ts';

describe('configuration', () => {
  it('production requires authentication unless told otherwise, and says nothing is loosened', () => {
    const production = loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32), METRICS_TOKEN: 'm'.repeat(16) });
    expect(production.auth.mode).toBe('required');
    expect(production.egressAllow).toEqual([]);
    expect(securityWarnings(production)).toEqual([]);
    expect(loadConfig({}).auth.mode).toBe('none');
  });

  it('refuses a short HS256 secret, naming the variable but not echoing the value', () => {
    expect(() => loadConfig({ AUTH_JWT_SECRET: 'short-secret' })).toThrow(/AUTH_JWT_SECRET/);
    expect(() => loadConfig({ AUTH_JWT_SECRET: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('logs one clear warning at start-up when authentication is off', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
    const t = await startTestApp({ logger }, { AUTH_MODE: 'none' });
    try {
      const warnings = lines.filter((l) => l.msg.startsWith('AUTH_MODE=none'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.msg).toContain('AUTH_MODE=required');
    } finally {
      await t.close();
    }
  });
});

describe('tokens signed with keys from AUTH_JWKS_URL', () => {
  let jwksServer: Server;
  let t: TestApp;
  const keys: { rsa?: CryptoKey; ec?: CryptoKey; stranger?: CryptoKey } = {};

  beforeAll(async () => {
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    const stranger = await generateKeyPair('RS256');
    keys.rsa = rsa.privateKey;
    keys.ec = ec.privateKey;
    keys.stranger = stranger.privateKey;
    const published: JWK[] = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as AddressInfo;
    t = await startTestApp(
      {},
      {
        AUTH_MODE: 'required',
        AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        AUTH_JWT_ISSUER: 'https://idp.test/',
        AUTH_JWT_AUDIENCE: 'flowdeck',
      },
    );
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  async function sign(key: CryptoKey | undefined, alg: 'RS256' | 'ES256', kid: string, claims: { iss?: string; aud?: string } = {}) {
    return new SignJWT({ customer_id: 'jwks-co', role: 'viewer' })
      .setProtectedHeader({ alg, kid })
      .setSubject('jwks-user')
      .setIssuer(claims.iss ?? 'https://idp.test/')
      .setAudience(claims.aud ?? 'flowdeck')
      .setExpirationTime('10m')
      .sign(key as CryptoKey);
  }

  it('accepts RS256 and ES256 tokens signed by a published key', async () => {
    for (const token of [await sign(keys.rsa, 'RS256', 'rsa-1'), await sign(keys.ec, 'ES256', 'ec-1')]) {
      const result = await t.gql(CurrentWorkspaceDocument, {}, { token });
      expect(result.errors).toBeUndefined();
      expect(result.data?.currentWorkspace.slug).toBe('default');
    }
  });

  it('refuses a key that is not published, a wrong issuer or audience, and HS256 (no secret configured)', async () => {
    const cases: [string, string, RegExp][] = [
      ['unpublished key', await sign(keys.stranger, 'RS256', 'rsa-1'), /signature/],
      ['wrong issuer', await sign(keys.rsa, 'RS256', 'rsa-1', { iss: 'https://evil.test/' }), /iss/],
      ['wrong audience', await sign(keys.rsa, 'RS256', 'rsa-1', { aud: 'someone-else' }), /aud/],
      [
        'HS256',
        await new SignJWT({ customer_id: 'jwks-co' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('x')
          .setExpirationTime('1m')
          .sign(new Uint8Array(32)),
        /HS256/,
      ],
    ];
    for (const [what, token, reason] of cases) {
      const result = await t.gql(CurrentWorkspaceDocument, {}, { token });
      expect(result.status, what).toBe(401);
      expect(result.errors?.[0]?.message, what).toMatch(reason);
    }
  });
});

describe('/metrics', () => {
  it('is read with METRICS_TOKEN only: its labels name every tenant, so no tenant credential opens it', async () => {
    const metricsToken = 'scrape-token-0123456789';
    const guarded = await startTestApp({}, { ...authEnv, METRICS_TOKEN: metricsToken });
    const open = await startTestApp({}, authEnv);
    try {
      const scrape = (t: TestApp, headers: Record<string, string> = {}) =>
        t.app.fetch(new Request('http://flowdeck.test/metrics', { headers })).then((r) => r.status);
      const user = bearer(await mintToken({ sub: 'u', customer_id: 'metrics-co' }));
      expect(await scrape(guarded)).toBe(401);
      expect(await scrape(guarded, { authorization: 'Bearer wrong-token-0123456789' })).toBe(401);
      expect(await scrape(guarded, user)).toBe(401);
      expect(await scrape(guarded, { authorization: `Bearer ${metricsToken}` })).toBe(200);
      expect(await scrape(open)).toBe(401);
      expect(await scrape(open, user)).toBe(401);
    } finally {
      await guarded.close();
      await open.close();
    }
  });
});
