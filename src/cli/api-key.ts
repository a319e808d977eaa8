// Usage: npm run api-key -- <customer_id> <name> [admin|editor|viewer] [workspace-slug]
// Creates an API key directly in the database and prints its secret once: the way to the first
// admin credential of a tenant when no identity provider issues tokens (AUTH_MODE=required
// without AUTH_JWT_SECRET or AUTH_JWKS_URL). After that, admins create keys with createApiKey.
import pino from 'pino';
import { ROLES, type Role } from '../domain/principal.ts';
import { TENANT_ID_PATTERN } from '../domain/tenants.ts';
import { createApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';

const [customerId, name, role = 'admin', workspace] = process.argv.slice(2);
if (!customerId || !name || !TENANT_ID_PATTERN.test(customerId) || !ROLES.includes(role as Role)) {
  console.error('usage: npm run api-key -- <customer_id> <name> [admin|editor|viewer] [workspace-slug]');
  process.exit(2);
}
// API only: nothing is executed, and the start-up warnings belong to the server, not this tool.
const config = loadConfig({ ...process.env, WORKER_CONCURRENCY: '0' });
const app = await createApp(config, { logger: pino({ level: 'silent' }) });
try {
  await app.services.tenants.ensure(customerId);
  const home = await app.services.workspaces.resolve(customerId, { slug: 'default' });
  const cli = { tenantId: customerId, workspaceId: home.id, userId: 'cli', role: 'admin' as const };
  const { apiKey, secret } = await app.services.apiKeys.create(cli, { name, role: role as Role, workspace: workspace ?? null });
  console.error(`created API key ${apiKey.prefix}… (${apiKey.role}) for tenant ${customerId}; it is shown only now:`);
  console.log(secret);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await app.stop();
}
