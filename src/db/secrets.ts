// Secrets at rest: a keyring that seals JSON values with AES-256-GCM and opens them by the key id
// written into each envelope, so keys can be rotated without a flag day. Storage-level: it knows
// nothing of agents beyond the binding string a caller passes (see agent-secrets.ts).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DatabaseTarget } from './target.ts';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Key ids go into envelopes (dot-separated) and SECRETS_KEY entries (`kid:key`, comma-separated). */
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The file name of the development key, next to the SQLite database (or in `./data`). */
export const SECRETS_KEY_FILE_NAME = 'secrets.key';

/**
 * Log fields pino replaces with `[redacted]` wherever they appear (top level or one level down):
 * agent credentials in either spelling, their sealed form, and the request headers that carry them.
 */
export const SECRET_LOG_PATHS: readonly string[] = [
  'authConfig',
  'authSecret',
  'auth_config',
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.authConfig',
  '*.authSecret',
  '*.auth_config',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
];

/** Base of every secrets failure. Messages name key ids, files and variables, never key material or secrets. */
export class SecretsError extends Error {
  override name = 'SecretsError';
}

/** SECRETS_KEY (or the development key file) does not hold valid keys. */
export class SecretsKeyError extends SecretsError {
  override name = 'SecretsKeyError';
}

/** A secret has to be sealed or opened, but no key is configured (production without SECRETS_KEY). */
export class SecretsKeyMissingError extends SecretsError {
  override name = 'SecretsKeyMissingError';
  constructor(action: string) {
    super(`cannot ${action}: SECRETS_KEY is not set (in production it is required to encrypt agent credentials at rest)`);
  }
}

/** A sealed value names a key id the keyring does not hold (a key was dropped before rotating). */
export class UnknownSecretKeyError extends SecretsError {
  override name = 'UnknownSecretKeyError';
  constructor(
    readonly keyId: string,
    known: readonly string[],
  ) {
    super(
      `the secret is sealed under key id "${keyId}", which is not among the configured keys (${known.join(', ') || 'none'}); ` +
        'list that key in SECRETS_KEY after the current one, then run npm run secrets:rotate',
    );
  }
}

/** A sealed value is malformed, was altered, belongs to another record, or its key id names another key. */
export class SecretOpenError extends SecretsError {
  override name = 'SecretOpenError';
}

/** One encryption key and the id envelopes refer to it by. */
interface SecretKey {
  id: string;
  key: Buffer;
}

/**
 * Seals values for storage and opens them again. The keys live in a closure, never on the object,
 * so logging or inspecting a box shows no key material.
 */
export interface SecretBox {
  /** Id of the key new values are sealed with; null when no key is configured. */
  readonly currentKeyId: string | null;
  /** Every key id the box can open, current first. */
  readonly keyIds: readonly string[];
  /** Where the keys came from, for the start-up log: `SECRETS_KEY`, a key file's path, `ephemeral` or `none`. */
  readonly source: string;
  /**
   * Encrypts `value` (JSON) under the current key as `v1.<kid>.<iv>.<tag>.<ciphertext>` (base64url).
   * `boundTo` (e.g. the owning row's id) is authenticated with it: opening with another binding fails.
   */
  seal(value: unknown, boundTo: string): string;
  /** Decrypts a sealed value by its key id; throws a {@link SecretsError} subclass when it cannot. */
  open(sealed: string, boundTo: string): unknown;
  /** True when `sealed` is not under the current key (so `npm run secrets:rotate` would re-seal it). */
  needsRotation(sealed: string): boolean;
}

/** The parts of an envelope; throws {@link SecretOpenError} when it is not one. */
function parseEnvelope(sealed: string): { kid: string; iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const parts = sealed.split('.');
  const [version, kid, iv, tag, ciphertext] = parts;
  if (parts.length !== 5 || version !== VERSION || !kid || !KEY_ID.test(kid) || iv === undefined || tag === undefined) {
    throw new SecretOpenError(`the stored secret is not a ${VERSION} envelope`);
  }
  const out = {
    kid,
    iv: Buffer.from(iv, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
    ciphertext: Buffer.from(ciphertext ?? '', 'base64url'),
  };
  if (out.iv.length !== IV_BYTES || out.tag.length !== TAG_BYTES)
    throw new SecretOpenError(`the stored secret is not a ${VERSION} envelope`);
  return out;
}

/** The key id of a sealed value (without opening it). */
export function keyIdOf(sealed: string): string {
  return parseEnvelope(sealed).kid;
}

// The version and key id are authenticated too, so an envelope cannot be relabelled.
const aad = (kid: string, boundTo: string) => Buffer.from(`${VERSION}.${kid}.${boundTo}`, 'utf8');

/** A box over the given keys (the first seals); with none it can neither seal nor open. */
function createSecretBox(keys: readonly SecretKey[], source: string): SecretBox {
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  const current = keys[0] ?? null;
  const keyIds = keys.map((k) => k.id);
  return {
    currentKeyId: current?.id ?? null,
    keyIds,
    source,
    seal(value, boundTo) {
      if (!current) throw new SecretsKeyMissingError('store an agent secret');
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, current.key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(current.id, boundTo));
      const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value ?? null), 'utf8'), cipher.final()]);
      return [
        VERSION,
        current.id,
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        ciphertext.toString('base64url'),
      ].join('.');
    },
    open(sealed, boundTo) {
      const { kid, iv, tag, ciphertext } = parseEnvelope(sealed);
      if (!current) throw new SecretsKeyMissingError(`open a secret sealed under key id "${kid}"`);
      const key = byId.get(kid);
      if (!key) throw new UnknownSecretKeyError(kid, keyIds);
      let plaintext: string;
      try {
        const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(kid, boundTo));
        decipher.setAuthTag(tag);
        plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // GCM says only "unable to authenticate"; which of the causes it was cannot be known.
        throw new SecretOpenError(
          `the secret sealed under key id "${kid}" failed authentication: it was altered, copied from another record, ` +
            `or the key configured as "${kid}" is not the one it was sealed with`,
        );
      }
      return JSON.parse(plaintext) as unknown;
    },
    needsRotation(sealed) {
      return keyIdOf(sealed) !== current?.id;
    },
  };
}

/** The id of a key given without one: derived from the key, so the same key always gets the same id. */
function derivedKeyId(key: Buffer): string {
  return createHash('sha256').update('flowdeck secrets key id\0').update(key).digest('hex').slice(0, 12);
}

/**
 * Parses a keyring: comma-separated entries, current key first, each `kid:base64key` or a bare
 * `base64key` (its id is then the first 12 hex digits of a SHA-256 over the key). A key is 32
 * random bytes in base64 or base64url (`openssl rand -base64 32`); a key id is 1-64 of
 * `A-Z a-z 0-9 _ -`. Throws {@link SecretsKeyError} naming `what` and the entry's position.
 */
function parseKeys(value: string, what: string): SecretKey[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new SecretsKeyError(`${what} holds no key`);
  const keys: SecretKey[] = [];
  entries.forEach((entry, index) => {
    const at = `${what} entry ${index + 1}`;
    const colon = entry.indexOf(':');
    const id = colon >= 0 ? entry.slice(0, colon).trim() : null;
    const encoded = (colon >= 0 ? entry.slice(colon + 1) : entry).trim();
    if (id !== null && !KEY_ID.test(id)) throw new SecretsKeyError(`${at}: a key id is 1-64 letters, digits, "_" or "-"`);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) throw new SecretsKeyError(`${at}: the key is not base64`);
    const key = Buffer.from(encoded.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
    if (key.length !== KEY_BYTES) {
      throw new SecretsKeyError(
        `${at}: the key decodes to ${key.length} bytes, not ${KEY_BYTES} (generate one with: openssl rand -base64 32)`,
      );
    }
    const kid = id ?? derivedKeyId(key);
    if (keys.some((k) => k.id === kid)) throw new SecretsKeyError(`${at}: key id "${kid}" is listed twice`);
    keys.push({ id: kid, key });
  });
  return keys;
}

/** What is wrong with a SECRETS_KEY value, or null when it parses (for configuration validation). */
export function secretsKeyProblem(value: string): string | null {
  try {
    parseKeys(value, 'SECRETS_KEY');
    return null;
  } catch (error) {
    if (error instanceof SecretsKeyError) return error.message;
    throw error;
  }
}

/** A box over the keys of a SECRETS_KEY value (see {@link loadSecretBox} for the grammar). */
export function secretBoxFromKeys(value: string, source = 'SECRETS_KEY'): SecretBox {
  return createSecretBox(parseKeys(value, source), source);
}

/** A new random key in the form SECRETS_KEY and the key file take. */
export function generateSecretsKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * Where the development key lives for a database: beside a SQLite file (so it travels with the
 * data it opens, and each scratch database in the tests gets its own), `./data/secrets.key` for
 * PostgreSQL, none for `:memory:` (whose data dies with the process, so an ephemeral key fits).
 */
export function defaultSecretsKeyFile(target: DatabaseTarget): string | null {
  if (target.provider === 'postgres') return resolve('data', SECRETS_KEY_FILE_NAME);
  if (target.file === ':memory:') return null;
  return join(dirname(target.file), SECRETS_KEY_FILE_NAME);
}

/** Options for {@link loadSecretBox}. */
export interface SecretBoxOptions {
  /** SECRETS_KEY as configured; null when unset. */
  secretsKey: string | null;
  env: 'development' | 'production' | 'test';
  /** The development key file (see {@link defaultSecretsKeyFile}); null keeps a key in memory only. */
  keyFile: string | null;
  /** Told about a key file others may read (the key is used anyway). */
  warn?: (message: string) => void;
}

/**
 * The keyring the server uses:
 * - `SECRETS_KEY` set: its keys (`kid:base64key` or bare `base64key`, comma-separated, the
 *   current key first; older keys after it only open, see `npm run secrets:rotate`).
 * - unset in development and test: a key generated once into `keyFile` (mode 0600, created
 *   atomically so processes starting together agree on one key) and read from it afterwards.
 * - unset in production: no key. The server still starts when it stores no secrets; sealing one
 *   fails with {@link SecretsKeyMissingError} naming SECRETS_KEY, and start-up fails when stored
 *   secrets exist (see prepareAgentSecrets).
 */
export function loadSecretBox(options: SecretBoxOptions): SecretBox {
  if (options.secretsKey !== null) return secretBoxFromKeys(options.secretsKey);
  if (options.env === 'production') return createSecretBox([], 'none');
  if (options.keyFile === null) return createSecretBox(parseKeys(generateSecretsKey(), 'ephemeral key'), 'ephemeral');
  return secretBoxFromKeys(readOrCreateKeyFile(options.keyFile, options.warn), options.keyFile);
}

/** The key file's contents, creating it with a new key first if it does not exist. */
function readOrCreateKeyFile(path: string, warn?: (message: string) => void): string {
  try {
    const contents = readFileSync(path, 'utf8');
    // Windows has no permission bits to check.
    if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
      warn?.(`the secrets key file ${path} can be read by other users; restrict it with chmod 600`);
    }
    return contents;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Written under a private name, then linked into place: link fails if another process got there
  // first, so every process ends up reading the one key that won, never a half-written file.
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    // The mode given to open is narrowed by the umask; state it exactly.
    fchmodSync(fd, 0o600);
    writeSync(fd, `${generateSecretsKey()}\n`);
    // Durable before any secret sealed with it is: losing the key loses every secret.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
  return readFileSync(path, 'utf8');
}
