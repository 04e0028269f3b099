import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';

const TOKEN_PREFIX = 'tn_';

/** Tokens carry 256 random bits, so a plain SHA-256 is enough to store them (no slow KDF needed). */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

export function isAdminToken(candidate: string, adminToken: string): boolean {
  return timingSafeEqual(hashToken(candidate), hashToken(adminToken));
}

export async function userForToken(pool: Pool, token: string): Promise<string | null> {
  const { rows } = await pool.query<{ user_id: string }>(
    'SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
    [hashToken(token)],
  );
  return rows[0]?.user_id ?? null;
}
