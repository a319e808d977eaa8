// The secrets keyring on its own: the SECRETS_KEY grammar, AES-256-GCM envelopes bound to their
// row, failures that name key ids but never secrets, the development key file, and the log
// redaction guard.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultSecretsKeyFile,
  generateSecretsKey,
  keyIdOf,
  loadSecretBox,
  SECRET_LOG_PATHS,
  secretBoxFromKeys,
  SecretOpenError,
  SecretsKeyError,
  SecretsKeyMissingError,
  secretsKeyProblem,
  UnknownSecretKeyError,
} from '../../src/db/secrets.ts';
import { ConfigError, loadConfig } from '../../src/server/config.ts';

const KEY_A = generateSecretsKey();
const KEY_B = generateSecretsKey();
const TOKEN = 'tok-7f3a91c2e5';
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowdeck-secrets-'));
  dirs.push(dir);
  return dir;
}

/** Runs `fn`, returning what it threw (failing the test if it did not throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('SECRETS_KEY', () => {
  it('takes `kid:key` entries, current first, and bare keys with an id derived from the key', () => {
    const box = secretBoxFromKeys(`new:${KEY_B}, old:${KEY_A}`);
    expect(box.currentKeyId).toBe('new');
    expect(box.keyIds).toEqual(['new', 'old']);
    const bare = secretBoxFromKeys(KEY_A);
    expect(bare.currentKeyId).toMatch(/^[0-9a-f]{12}$/);
    // Stable: the same key always gets the same id, so a restart opens what it sealed.
    expect(secretBoxFromKeys(`${KEY_B},${KEY_A}`).keyIds[1]).toBe(bare.currentKeyId);
    // base64url works too.
    const url = Buffer.from(KEY_A, 'base64').toString('base64url');
    expect(secretBoxFromKeys(url).currentKeyId).toBe(bare.currentKeyId);
  });

  it('rejects bad keys with a message naming the entry, never the key', () => {
    const short = randomBytes(16).toString('base64');
    const cases = [short, `a:${KEY_A},a:${KEY_B}`, `bad.id:${KEY_A}`, 'not base64!', ' , '];
    for (const value of cases) {
      const problem = secretsKeyProblem(value);
      expect(problem, value).toMatch(/SECRETS_KEY/);
      expect(problem).not.toContain(KEY_A);
      expect(problem).not.toContain(KEY_B);
      expect(problem).not.toContain(short);
    }
    expect(secretsKeyProblem(short)).toContain('16 bytes, not 32');
    expect(secretsKeyProblem(`a:${KEY_A},a:${KEY_B}`)).toContain('"a" is listed twice');
    expect(secretsKeyProblem(`a:${KEY_A},b:${KEY_B}`)).toBeNull();
    expect(thrown(() => secretBoxFromKeys(short))).toBeInstanceOf(SecretsKeyError);
  });

  it('is validated with the rest of the configuration, without echoing its value', () => {
    const short = randomBytes(20).toString('base64');
    const error = thrown(() => loadConfig({ SECRETS_KEY: `k1:${short}` }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('SECRETS_KEY=(hidden)');
    expect(error.message).toContain('20 bytes');
    expect(error.message).not.toContain(short);
    expect(loadConfig({ SECRETS_KEY: `k1:${KEY_A}` }).secretsKey).toBe(`k1:${KEY_A}`);
  });
});

describe('envelopes', () => {
  const box = secretBoxFromKeys(`k1:${KEY_A}`);
  const secret = { token: TOKEN };

  it('seal as v1.<kid>.<iv>.<tag>.<ciphertext>, random per seal, and open with the same binding', () => {
    const sealed = box.seal(secret, 'Agent:1');
    expect(sealed).toMatch(/^v1\.k1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(sealed).not.toContain(TOKEN);
    expect(sealed).not.toContain(Buffer.from(TOKEN).toString('base64url'));
    expect(box.seal(secret, 'Agent:1')).not.toBe(sealed);
    expect(box.open(sealed, 'Agent:1')).toEqual(secret);
    expect(keyIdOf(sealed)).toBe('k1');
    expect(box.needsRotation(sealed)).toBe(false);
  });

  it('do not open for another row, nor when altered, nor relabelled with another key id', () => {
    const sealed = box.seal(secret, 'Agent:1');
    const [v, kid, iv, tag, ciphertext] = sealed.split('.') as [string, string, string, string, string];
    const flipped = `${ciphertext.slice(0, -2)}${ciphertext.at(-2) === 'A' ? 'B' : 'A'}${ciphertext.at(-1)}`;
    const other = secretBoxFromKeys(`k1:${KEY_A},k2:${KEY_A}`);
    const failures = [
      thrown(() => box.open(sealed, 'Agent:2')),
      thrown(() => box.open([v, kid, iv, tag, flipped].join('.'), 'Agent:1')),
      // Same key under another id: the key id is authenticated too.
      thrown(() => other.open([v, 'k2', iv, tag, ciphertext].join('.'), 'Agent:1')),
      thrown(() => box.open('v1.k1.short', 'Agent:1')),
      thrown(() => box.open(`v2.${kid}.${iv}.${tag}.${ciphertext}`, 'Agent:1')),
    ];
    for (const error of failures) {
      expect(error).toBeInstanceOf(SecretOpenError);
      expect(error.message).not.toContain(TOKEN);
    }
    expect(failures[0]?.message).toContain('key id "k1" failed authentication');
  });

  it('open by key id: older keys still open, an unknown id is named, and rotation is due off the current key', () => {
    const old = box.seal(secret, 'Agent:1');
    const rotated = secretBoxFromKeys(`k2:${KEY_B},k1:${KEY_A}`);
    expect(rotated.open(old, 'Agent:1')).toEqual(secret);
    expect(rotated.needsRotation(old)).toBe(true);
    expect(rotated.needsRotation(rotated.seal(secret, 'Agent:1'))).toBe(false);

    const error = thrown(() => secretBoxFromKeys(`k2:${KEY_B}`).open(old, 'Agent:1'));
    expect(error).toBeInstanceOf(UnknownSecretKeyError);
    expect(error.message).toContain('key id "k1"');
    expect(error.message).toContain('(k2)');
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).not.toContain(KEY_A);
  });

  it('keep key material off the box object', () => {
    const shown = JSON.stringify(box) + String(Object.values(box));
    expect(shown).not.toContain(KEY_A);
    expect(shown).not.toContain(Buffer.from(KEY_A, 'base64').toString('hex'));
  });
});

describe('loading keys', () => {
  it('creates the development key file once with mode 0600, and reuses it', () => {
    const dir = tempDir();
    const keyFile = join(dir, 'nested', 'secrets.key');
    const first = loadSecretBox({ secretsKey: null, env: 'development', keyFile });
    expect(first.source).toBe(keyFile);
    if (process.platform !== 'win32') expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const contents = readFileSync(keyFile, 'utf8');
    const sealed = first.seal({ token: TOKEN }, 'Agent:1');

    const second = loadSecretBox({ secretsKey: null, env: 'test', keyFile });
    expect(second.currentKeyId).toBe(first.currentKeyId);
    expect(second.open(sealed, 'Agent:1')).toEqual({ token: TOKEN });
    expect(readFileSync(keyFile, 'utf8')).toBe(contents);
    // What the file holds is a valid SECRETS_KEY: moving to production is copying it.
    expect(secretBoxFromKeys(contents).open(sealed, 'Agent:1')).toEqual({ token: TOKEN });
  });

  it('warns about a key file others can read, and names the file (not its contents) when it is broken', () => {
    if (process.platform === 'win32') return;
    const dir = tempDir();
    const keyFile = join(dir, 'secrets.key');
    writeFileSync(keyFile, `${KEY_A}\n`, { mode: 0o644 });
    const warnings: string[] = [];
    loadSecretBox({ secretsKey: null, env: 'development', keyFile, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringContaining('chmod 600')]);

    writeFileSync(keyFile, 'c2hvcnQ=\n');
    const error = thrown(() => loadSecretBox({ secretsKey: null, env: 'development', keyFile }));
    expect(error).toBeInstanceOf(SecretsKeyError);
    expect(error.message).toContain(keyFile);
    expect(error.message).not.toContain('c2hvcnQ');
  });

  it('prefers SECRETS_KEY, and in production without it has no key: sealing fails naming SECRETS_KEY', () => {
    const dir = tempDir();
    const keyFile = join(dir, 'secrets.key');
    expect(loadSecretBox({ secretsKey: `k1:${KEY_A}`, env: 'development', keyFile }).source).toBe('SECRETS_KEY');
    const none = loadSecretBox({ secretsKey: null, env: 'production', keyFile });
    expect(none.currentKeyId).toBeNull();
    expect(() => statSync(keyFile)).toThrow();
    const error = thrown(() => none.seal({ token: TOKEN }, 'Agent:1'));
    expect(error).toBeInstanceOf(SecretsKeyMissingError);
    expect(error.message).toContain('SECRETS_KEY is not set');
  });

  it('puts the development key beside a SQLite file, in ./data for PostgreSQL, nowhere for :memory:', () => {
    expect(defaultSecretsKeyFile({ provider: 'sqlite', file: '/var/lib/flowdeck/flowdeck.db' })).toBe('/var/lib/flowdeck/secrets.key');
    expect(defaultSecretsKeyFile({ provider: 'postgres', url: 'postgres://x/y' })).toBe(join(process.cwd(), 'data', 'secrets.key'));
    expect(defaultSecretsKeyFile({ provider: 'sqlite', file: ':memory:' })).toBeNull();
    const ephemeral = loadSecretBox({ secretsKey: null, env: 'development', keyFile: null });
    expect(ephemeral.source).toBe('ephemeral');
    expect(ephemeral.open(ephemeral.seal({ a: 1 }, 'x'), 'x')).toEqual({ a: 1 });
  });
});

describe('log redaction', () => {
  it('censors credentials in the fields that carry them', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out += chunk.toString();
        done();
      },
    });
    const logger = pino({ redact: { paths: [...SECRET_LOG_PATHS], censor: '[redacted]' } }, sink);
    logger.info({ authConfig: { token: TOKEN } }, 'one');
    logger.info({ agent: { authSecret: `v1.k1.${TOKEN}`, auth_config: { key: TOKEN } } }, 'two');
    logger.info({ req: { headers: { authorization: `Bearer ${TOKEN}`, 'x-api-key': TOKEN } } }, 'three');
    logger.info({ headers: { 'x-api-key': TOKEN } }, 'four');
    expect(out.split('\n').filter(Boolean)).toHaveLength(4);
    expect(out).not.toContain(TOKEN);
    expect(out).toContain('[redacted]');
  });
});
