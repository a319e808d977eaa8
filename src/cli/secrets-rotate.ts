// `npm run secrets:rotate`: re-seals every agent secret under the current key. Put the new key
// first in SECRETS_KEY and keep the old one after it (`SECRETS_KEY=new,old`), deploy that, run
// this, then drop the old key. Safe to run again, and on PostgreSQL while servers are up (each
// write is conditional on the row as read); a SQLite file serves one process, so stop the server
// first. Prints counts and agent ids, never secrets. Exits 1 unless every secret was re-sealed.
import { rotateAgentSecrets, type SecretsPass } from '../db/agent-secrets.ts';
import { connectDatabase } from '../db/database.ts';
import { defaultSecretsKeyFile, loadSecretBox, type SecretBox, SecretsError } from '../db/secrets.ts';
import { ConfigError, loadConfig } from '../server/config.ts';

/** The report printed for one rotation. */
function report(box: SecretBox, pass: SecretsPass): string[] {
  const current = box.currentKeyId ?? '';
  const older = box.keyIds.slice(1);
  const lines = [
    `keys from ${box.source}: current "${current}"${older.length ? `, older ${older.map((k) => `"${k}"`).join(', ')}` : ''}`,
    `legacy plaintext secrets sealed: ${pass.sealedLegacy}`,
    `agent secrets: ${pass.scanned} scanned, ${pass.rotated} re-sealed under "${current}", ${pass.current} already under it`,
  ];
  if (pass.skipped) lines.push(`${pass.skipped} changed while being re-sealed and were left alone: run this again`);
  if (pass.unreadable.length) {
    lines.push(`${pass.unreadable.length} could not be opened (fix or re-enter these agents' credentials):`);
    for (const { id, reason } of pass.unreadable) lines.push(`  agent ${id}: ${reason}`);
  }
  if (!pass.skipped && !pass.unreadable.length && older.length) {
    lines.push(`every agent secret is under "${current}": the older keys can be removed from SECRETS_KEY`);
  }
  return lines;
}

try {
  const config = loadConfig();
  const box = loadSecretBox({ secretsKey: config.secretsKey, env: config.env, keyFile: defaultSecretsKeyFile(config.database) });
  const db = await connectDatabase(config.database, { sqliteSynchronous: config.sqliteSynchronous, poolSize: 2 });
  try {
    const pass = await rotateAgentSecrets(db.prisma, box);
    for (const line of report(box, pass)) console.log(line);
    if (pass.skipped || pass.unreadable.length) process.exitCode = 1;
  } finally {
    await db.close();
  }
} catch (error) {
  console.error(error instanceof ConfigError || error instanceof SecretsError ? error.message : error);
  process.exitCode = 1;
}
