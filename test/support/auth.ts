import { SignJWT } from 'jose';

/** The HS256 secret test servers verify tokens with (pass {@link authEnv} to startTestApp). */
export const TEST_JWT_SECRET = 'flowdeck-test-secret-0123456789abcdef';

/** Environment of a test server that requires credentials and accepts tokens minted by {@link mintToken}. */
export const authEnv: Record<string, string> = { AUTH_MODE: 'required', AUTH_JWT_SECRET: TEST_JWT_SECRET };

/** Claims of a test token; `customer_id` names the tenant. */
export interface TestClaims {
  sub?: string;
  customer_id?: string;
  role?: string;
  workspaces?: string[];
  [claim: string]: unknown;
}

/** Options of {@link mintToken}: lifetime (seconds from now; negative = already expired), signing secret. */
export interface MintOptions {
  expiresIn?: number;
  notBefore?: number;
  secret?: string;
  issuer?: string;
  audience?: string;
}

/** Mints an HS256 JWT the way an identity provider would. */
export async function mintToken(claims: TestClaims, options: MintOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 3600));
  if (claims.sub) jwt = jwt.setSubject(claims.sub);
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(now + options.notBefore);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

/** `Authorization` header of a token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
