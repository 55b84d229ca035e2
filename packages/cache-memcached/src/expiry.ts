/** memcached reads an expiration above this many seconds as an absolute Unix time. */
export const RELATIVE_LIMIT_SECONDS = 60 * 60 * 24 * 30;

/** What a write sends: the expiration field, and the absolute expiry kept in the item's flags. */
export interface WireExpiry {
  /** memcached's expiration: 0 never, ≤ 30 days relative seconds, else Unix seconds. */
  exptime: number;
  /** Absolute expiry in Unix seconds (0: never), stored as the item's 32-bit flags. */
  flags: number;
}

const NEVER: WireExpiry = { exptime: 0, flags: 0 };

/**
 * The expiry of a write with `ttlMs` (whole ms or Infinity). memcached's clock
 * ticks in whole seconds, so a relative expiration of n seconds lives between
 * n − 1 and n seconds: n = ceil(ttlMs / 1000) + 1 guarantees the entry lives at
 * least `ttlMs` (and at most about 2 s longer). Past 30 days it becomes an
 * absolute Unix time; past the year 2106 (32-bit seconds), never.
 */
export function expiryForTtl(ttlMs: number, nowMs: number): WireExpiry {
  if (!Number.isFinite(ttlMs)) return NEVER;
  const seconds = Math.ceil(ttlMs / 1000) + 1;
  const absolute = Math.floor(nowMs / 1000) + seconds;
  if (absolute > 0xffffffff) return NEVER;
  return { exptime: seconds <= RELATIVE_LIMIT_SECONDS ? seconds : absolute, flags: absolute };
}

/**
 * The expiry to send when rewriting an item (increment, a compare-and-swap)
 * that must keep its current expiry, read back from its flags. memcached has
 * no way to read an item's remaining TTL, which is why every write records
 * its absolute expiry in the flags.
 */
export function expiryFromFlags(flags: number, nowMs: number): WireExpiry {
  if (flags === 0) return NEVER;
  const remaining = flags - Math.floor(nowMs / 1000);
  if (remaining > RELATIVE_LIMIT_SECONDS) return { exptime: flags, flags };
  return { exptime: Math.max(1, remaining), flags };
}
