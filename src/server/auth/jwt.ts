import { createRemoteJWKSet, type JWTPayload, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { type Role, ROLES } from '../../domain/principal.ts';
import { TENANT_ID_PATTERN } from '../../domain/tenants.ts';
import type { AuthConfig } from '../config.ts';

/** Seconds of disagreement between our clock and the issuer's tolerated on `exp` and `nbf`. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** What a verified token says about its bearer. */
export interface TokenClaims {
  tenantId: string;
  userId: string;
  role: Role;
  /** Workspace slugs the token may use; null = every workspace of the tenant. */
  workspaces: string[] | null;
  expiresAt: Date | null;
}

const claimsSchema = z.object({
  sub: z.string().min(1, 'is required').max(255),
  customer_id: z.string().regex(TENANT_ID_PATTERN, 'must be 1-128 letters, digits or ._:@-'),
  role: z.enum(ROLES as [Role, ...Role[]]).default('editor'),
  workspaces: z.array(z.string().min(1).max(63)).max(1000).optional(),
});

/** A token that is not acceptable; the message says why without echoing the token. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** Verifies bearer JWTs: HS256 with the shared secret, or RS256/ES256 keys from the JWKS URL. */
export interface JwtVerifier {
  /** Whether any way of verifying a token is configured. */
  readonly enabled: boolean;
  verify(token: string): Promise<TokenClaims>;
}

/** Builds the verifier from configuration (jose does the cryptography and the time checks). */
export function createJwtVerifier(auth: AuthConfig): JwtVerifier {
  const secret = auth.jwtSecret ? new TextEncoder().encode(auth.jwtSecret) : null;
  const jwks: JWTVerifyGetKey | null = auth.jwksUrl ? createRemoteJWKSet(new URL(auth.jwksUrl)) : null;
  const options = {
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
  };

  async function verifyPayload(token: string): Promise<JWTPayload> {
    // The header decides which key family applies; a token can never pick HS256 against a public key.
    const alg = headerAlg(token);
    if (alg === 'HS256' && secret) return (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
    if ((alg === 'RS256' || alg === 'ES256') && jwks)
      return (await jwtVerify(token, jwks, { ...options, algorithms: ['RS256', 'ES256'] })).payload;
    throw new InvalidTokenError(`tokens signed with ${alg ?? 'an unknown algorithm'} are not accepted here`);
  }

  return {
    enabled: Boolean(secret || jwks),
    async verify(token) {
      let payload: JWTPayload;
      try {
        payload = await verifyPayload(token);
      } catch (error) {
        if (error instanceof InvalidTokenError) throw error;
        throw new InvalidTokenError(describeJoseError(error));
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) {
        const issue = claims.error.issues[0];
        throw new InvalidTokenError(`claim ${String(issue?.path[0] ?? '?')} ${issue?.message ?? 'is invalid'}`);
      }
      return {
        tenantId: claims.data.customer_id,
        userId: claims.data.sub,
        role: claims.data.role,
        workspaces: claims.data.workspaces ?? null,
        expiresAt: typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : null,
      };
    },
  };
}

function headerAlg(token: string): string | null {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown };
    return typeof header.alg === 'string' ? header.alg : null;
  } catch {
    throw new InvalidTokenError('the token is not a JWT');
  }
}

/** jose's error codes as sentences a caller can act on. */
function describeJoseError(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  const claim = (error as { claim?: string } | null)?.claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claim === 'nbf' ? 'the token is not valid yet' : `the token's ${claim ?? 'claims'} claim is not accepted`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the token signature does not verify';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'no published key matches the token';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JOSE_GENERIC':
      return 'the signing keys could not be fetched';
    default:
      return 'the token is malformed';
  }
}
