// Usage: AUTH_JWT_SECRET=… npm run token -- <sub> <customer_id> [role] [workspace,…] [hours]
// Mints an HS256 token the server accepts, for development and scripts; an identity provider
// issues them in production.
import { SignJWT } from 'jose';

const [sub, customerId, role = 'editor', workspaces, hours = '12'] = process.argv.slice(2);
const secret = process.env.AUTH_JWT_SECRET;
if (!sub || !customerId || !secret) {
  console.error('usage: AUTH_JWT_SECRET=<secret> npm run token -- <sub> <customer_id> [admin|editor|viewer] [workspace,...] [hours]');
  process.exit(2);
}
const claims: Record<string, unknown> = { customer_id: customerId, role };
if (workspaces && workspaces !== '-') claims.workspaces = workspaces.split(',');
const token = await new SignJWT(claims)
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(sub)
  .setIssuedAt()
  .setExpirationTime(`${Number(hours)}h`)
  .sign(new TextEncoder().encode(secret));
console.log(token);
