import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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

/** The part of a pg Pool the resolver needs; a test wraps it to pause a lookup at a chosen point. */
export interface TokenStore {
  query<R extends object>(text: string, values: unknown[]): Promise<{ rows: R[] }>;
}

/**
 * Resolves tokens to users, remembering valid ones for a few seconds so that
 * the hot path (a cached listing) needs no database round trip.
 *
 * Revocation: `forgetAll` empties the memory and bumps an epoch. A lookup
 * remembers its answer only if no revocation happened while it was in flight,
 * so a lookup that read the token as valid just before it was revoked cannot
 * put it back. Other replicas hear of a revocation over Redis pub/sub
 * (revocations.ts) and forget at once; while Redis is down, a revoked token
 * keeps working there for at most `ttlMs`.
 */
export class TokenResolver {
  private readonly known = new Map<string, { userId: string; until: number }>();
  private epoch = 0;

  constructor(
    private readonly pool: TokenStore,
    readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
    /** The clock the TTL runs on; a test passes its own to step past the TTL without sleeping. */
    private readonly now: () => number = Date.now,
  ) {}

  async userFor(token: string): Promise<string | null> {
    const hash = hashToken(token);
    const key = hash.toString('base64');
    const hit = this.known.get(key);
    if (hit !== undefined && hit.until > this.now()) return hit.userId;
    this.known.delete(key);
    const epoch = this.epoch;
    const { rows } = await this.pool.query<{ user_id: string }>(
      'SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    const userId = rows[0]?.user_id ?? null;
    // A revocation during the lookup may concern this token: answer, but do not remember.
    if (userId !== null && epoch === this.epoch) {
      if (this.known.size >= this.maxEntries) this.known.delete(this.known.keys().next().value!);
      this.known.set(key, { userId, until: this.now() + this.ttlMs });
    }
    return userId;
  }

  /** Forgets every remembered token, and every lookup in flight; called on revocation so this replica stops at once. */
  forgetAll(): void {
    this.epoch++;
    this.known.clear();
  }

  get size(): number {
    return this.known.size;
  }
}
