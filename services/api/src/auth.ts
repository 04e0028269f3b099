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

/**
 * Resolves tokens to users, remembering valid ones for a few seconds so that
 * the hot path (a cached listing) needs no database round trip. The price: a
 * revoked token keeps working on other replicas for up to `ttlMs`.
 */
export class TokenResolver {
  private readonly known = new Map<string, { userId: string; until: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  async userFor(token: string): Promise<string | null> {
    const hash = hashToken(token);
    const key = hash.toString('base64');
    const hit = this.known.get(key);
    if (hit !== undefined && hit.until > Date.now()) return hit.userId;
    this.known.delete(key);
    const { rows } = await this.pool.query<{ user_id: string }>(
      'SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    const userId = rows[0]?.user_id ?? null;
    if (userId !== null) {
      if (this.known.size >= this.maxEntries) this.known.delete(this.known.keys().next().value!);
      this.known.set(key, { userId, until: Date.now() + this.ttlMs });
    }
    return userId;
  }

  /** Forgets every remembered token; called on revocation so this replica stops at once. */
  forgetAll(): void {
    this.known.clear();
  }
}
