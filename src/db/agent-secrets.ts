// Agent credentials at rest: `Agent.authSecret` holds them sealed by the SecretBox, bound to the
// agent's id (an envelope copied onto another agent does not open). Here: sealing and opening one
// agent's secret, sealing legacy plaintext `authConfig` at start-up, the start-up check that every
// stored secret can be opened, and re-sealing under the current key (`npm run secrets:rotate`).
import type { Db } from './database.ts';
import type { Agent } from './models.ts';
import { Prisma } from './generated/sqlite/client.ts';
import { keyIdOf, type SecretBox, SecretsError, SecretsKeyMissingError } from './secrets.ts';

/** Rows read per query when scanning every agent's secret. */
export const SECRET_BATCH_SIZE = 200;

/** What an agent secret is bound to (authenticated with the ciphertext). */
function binding(agentId: string): string {
  return `Agent:${agentId}`;
}

/** Seals an agent's credentials (its `authConfig`) for `Agent.authSecret`. */
export function sealAgentSecret(box: SecretBox, agentId: string, authConfig: unknown): string {
  return box.seal(authConfig, binding(agentId));
}

/**
 * An agent's credentials in the clear (what the agent clients read as `authConfig`), or null when
 * it has none. A row still holding legacy plaintext (written by an older process during a rolling
 * deploy, sealed at the next start) is read as it is. Throws a {@link SecretsError} when the
 * stored secret cannot be opened.
 */
export function openAgentSecret(box: SecretBox, agent: Pick<Agent, 'id' | 'authSecret' | 'authConfig'>): unknown {
  if (agent.authSecret !== null) return box.open(agent.authSecret, binding(agent.id));
  return agent.authConfig ?? null;
}

/** Stored agent secrets that cannot be opened with the configured keys; the message lists why, per key id. */
export class AgentSecretsUnreadableError extends SecretsError {
  override name = 'AgentSecretsUnreadableError';
}

type SecretRow = Pick<Agent, 'id' | 'authSecret' | 'authConfig' | 'updatedAt'>;

/** Every agent with a sealed secret or legacy plaintext, in id order, one batch at a time. */
async function* secretRows(db: Db, where: Prisma.AgentWhereInput, batchSize: number): AsyncGenerator<SecretRow[]> {
  let after: string | null = null;
  for (;;) {
    const rows: SecretRow[] = await db.agent.findMany({
      where: { ...where, ...(after === null ? {} : { id: { gt: after } }) },
      select: { id: true, authSecret: true, authConfig: true, updatedAt: true },
      orderBy: { id: 'asc' },
      take: batchSize,
    });
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]?.id ?? null;
    if (rows.length < batchSize) return;
  }
}

/**
 * Writes a row's secret, only if the row is still as read (same `updatedAt`, same `authSecret`):
 * a concurrent edit through the API wins, and a re-run picks the row up again. `updatedAt` is
 * kept, because re-encrypting is not a change anyone made to the agent.
 */
function rewrite(db: Db, row: SecretRow, authSecret: string | null) {
  return db.agent.updateMany({
    where: { id: row.id, updatedAt: row.updatedAt, authSecret: row.authSecret },
    data: { authSecret, authConfig: Prisma.DbNull, updatedAt: row.updatedAt },
  });
}

/** What one pass over the agents' secrets did. */
export interface SecretsPass {
  /** Agents whose secret was looked at. */
  scanned: number;
  /** Legacy plaintext `authConfig` values sealed into `authSecret` (and cleared). */
  sealedLegacy: number;
  /** Secrets re-sealed under the current key. */
  rotated: number;
  /** Secrets already under the current key. */
  current: number;
  /** Rows edited concurrently, so left alone; running again handles them. */
  skipped: number;
  /** Ids of agents whose secret cannot be opened, with the reason (key ids only, never secrets). */
  unreadable: { id: string; reason: string }[];
}

/**
 * Seals every legacy plaintext `authConfig` into `authSecret` and clears it. Idempotent, safe to
 * run from several processes at once (each write is conditional on the row as read).
 */
export async function sealLegacyAgentSecrets(db: Db, box: SecretBox, batchSize = SECRET_BATCH_SIZE): Promise<number> {
  let sealed = 0;
  for await (const rows of secretRows(db, { authConfig: { not: Prisma.DbNull } }, batchSize)) {
    // A row sealed already keeps its sealed secret (its leftover plaintext is only cleared); JSON null is no secret.
    const plaintext = rows.filter((row) => row.authSecret === null && row.authConfig !== null);
    // Checked here, not up front: a production server without SECRETS_KEY and without legacy rows starts.
    if (plaintext.length > 0 && box.currentKeyId === null) {
      throw new SecretsKeyMissingError(
        `encrypt the plaintext credentials stored for ${rows.length === batchSize ? 'at least ' : ''}${plaintext.length} agent(s)`,
      );
    }
    const writes = rows.map((row) =>
      rewrite(db, row, row.authSecret ?? (row.authConfig === null ? null : sealAgentSecret(box, row.id, row.authConfig))),
    );
    for (const result of await db.$transaction(writes)) sealed += result.count;
  }
  return sealed;
}

/**
 * Re-seals every agent secret under the current key, batch by batch (legacy plaintext is sealed
 * first). Idempotent: secrets already under the current key are not touched, so an interrupted
 * run is simply run again. Unreadable secrets are reported, not fatal, so one bad row does not
 * block the rest.
 */
export async function rotateAgentSecrets(db: Db, box: SecretBox, batchSize = SECRET_BATCH_SIZE): Promise<SecretsPass> {
  if (box.currentKeyId === null) throw new SecretsKeyMissingError('rotate agent secrets');
  const pass: SecretsPass = { scanned: 0, sealedLegacy: 0, rotated: 0, current: 0, skipped: 0, unreadable: [] };
  pass.sealedLegacy = await sealLegacyAgentSecrets(db, box, batchSize);
  for await (const rows of secretRows(db, { authSecret: { not: null } }, batchSize)) {
    pass.scanned += rows.length;
    const writes: ReturnType<typeof rewrite>[] = [];
    for (const row of rows) {
      const sealed = row.authSecret as string;
      try {
        if (!box.needsRotation(sealed)) {
          pass.current += 1;
          continue;
        }
        writes.push(rewrite(db, row, sealAgentSecret(box, row.id, openAgentSecret(box, row))));
      } catch (error) {
        if (!(error instanceof SecretsError)) throw error;
        pass.unreadable.push({ id: row.id, reason: error.message });
      }
    }
    if (writes.length === 0) continue;
    for (const result of await db.$transaction(writes)) {
      if (result.count === 1) pass.rotated += 1;
      else pass.skipped += 1;
    }
  }
  return pass;
}

/** Minimal logger shape (pino's), so the db layer does not depend on the server's logger. */
export interface SecretsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Options for {@link prepareAgentSecrets}. */
export interface PrepareOptions {
  /** Told what was found (key source and ids, counts; never secrets). */
  log?: SecretsLogger;
  batchSize?: number;
}

/** What the start-up check found. */
export interface AgentSecretsSummary {
  /** Legacy plaintext values sealed now. */
  sealedLegacy: number;
  /** Agents with a sealed secret. */
  stored: number;
  /** Of those, sealed under an older key (run `npm run secrets:rotate`). */
  stale: number;
}

/**
 * Start-up: seals legacy plaintext, then checks that the configured keys open every stored
 * secret (one secret per key id is decrypted, catching a key id given the wrong key). A server
 * that could not call its agents fails here, naming the key ids, rather than at the first run.
 * Throws {@link SecretsKeyMissingError} or {@link AgentSecretsUnreadableError}.
 */
export async function prepareAgentSecrets(db: Db, box: SecretBox, options: PrepareOptions = {}): Promise<AgentSecretsSummary> {
  const batchSize = options.batchSize ?? SECRET_BATCH_SIZE;
  const sealedLegacy = await sealLegacyAgentSecrets(db, box, batchSize);
  const byKey = new Map<string, { count: number; sample: SecretRow }>();
  const malformed: string[] = [];
  for await (const rows of secretRows(db, { authSecret: { not: null } }, batchSize)) {
    for (const row of rows) {
      let kid: string;
      try {
        kid = keyIdOf(row.authSecret as string);
      } catch {
        malformed.push(row.id);
        continue;
      }
      const seen = byKey.get(kid);
      if (seen) seen.count += 1;
      else byKey.set(kid, { count: 1, sample: row });
    }
  }
  const problems: string[] = [];
  if (malformed.length)
    problems.push(`${malformed.length} agent(s) hold a stored secret that is not an envelope (${malformed.slice(0, 5).join(', ')})`);
  for (const [kid, { count, sample }] of byKey) {
    try {
      openAgentSecret(box, sample);
    } catch (error) {
      if (!(error instanceof SecretsError)) throw error;
      problems.push(`${count} agent secret(s) under key id "${kid}": ${error.message}`);
    }
  }
  if (problems.length) {
    throw new AgentSecretsUnreadableError(
      `stored agent secrets cannot be opened with the configured keys (${box.source}):\n  ${problems.join('\n  ')}`,
    );
  }
  let stored = 0;
  let stale = 0;
  for (const [kid, { count }] of byKey) {
    stored += count;
    if (kid !== box.currentKeyId) stale += count;
  }
  const summary = { sealedLegacy, stored, stale };
  const log = options.log;
  log?.info({ keys: box.source, currentKeyId: box.currentKeyId, ...summary }, 'agent secrets are encrypted at rest');
  if (box.currentKeyId === null) log?.warn({}, 'SECRETS_KEY is unset: agents with credentials (BEARER, APIKEY) cannot be registered');
  if (stale > 0) log?.warn({ stale }, 'some agent secrets are sealed under an older key; run npm run secrets:rotate');
  return summary;
}
