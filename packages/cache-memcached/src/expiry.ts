/** memcached reads an expiration above this many seconds as an absolute Unix time. */
export const RELATIVE_LIMIT_SECONDS = 60 * 60 * 24 * 30;

/**
 * Seconds added to what memcached is told. Its clock is a whole-second
 * counter refreshed by a once-a-second timer, so a relative expiration of n
 * seconds can end anywhere from about n − 2 to n + 1 seconds after the write;
 * +2 means memcached never drops an entry before its ttlMs.
 */
const CLOCK_SLACK_SECONDS = 2;

/** What a write sends: the expiration field, and the absolute expiry kept in the item's flags. */
export interface WireExpiry {
  /** memcached's expiration: 0 never, ≤ 30 days relative seconds, else Unix seconds. */
  exptime: number;
  /** When the entry expires for this backend, in Unix seconds rounded up (0: never); the item's 32-bit flags. */
  flags: number;
}

const NEVER: WireExpiry = { exptime: 0, flags: 0 };

function fromDeadline(deadlineMs: number, nowMs: number): WireExpiry {
  const flags = Math.ceil(deadlineMs / 1000);
  if (flags + CLOCK_SLACK_SECONDS > 0xffffffff) return NEVER;
  const relative = Math.max(1, Math.ceil((deadlineMs - nowMs) / 1000)) + CLOCK_SLACK_SECONDS;
  return {
    exptime: relative <= RELATIVE_LIMIT_SECONDS ? relative : flags + CLOCK_SLACK_SECONDS,
    flags,
  };
}

/**
 * The expiry of a write with `ttlMs` (whole ms or Infinity). Readers hide an
 * entry once its flags say it expired (see {@link isExpired}), so it is
 * gone, to the second, at `ttlMs` rounded up to the next whole second; memcached
 * itself frees it a little later (never earlier). Past 30 days memcached gets
 * an absolute Unix time; past the year 2106 (32-bit seconds), never.
 */
export function expiryForTtl(ttlMs: number, nowMs: number): WireExpiry {
  if (!Number.isFinite(ttlMs)) return NEVER;
  return fromDeadline(nowMs + ttlMs, nowMs);
}

/**
 * The expiry to send when rewriting an item (increment, a compare-and-swap)
 * that must keep its current expiry, read back from its flags: memcached
 * cannot report an item's remaining TTL, which is why every write of this
 * backend records its absolute expiry in the flags.
 */
export function expiryFromFlags(flags: number, nowMs: number): WireExpiry {
  if (flags === 0) return NEVER;
  return fromDeadline(flags * 1000, nowMs);
}

/** True when flags written by this backend say the entry has expired. */
export function isExpired(flags: number, nowMs: number): boolean {
  return flags !== 0 && flags * 1000 <= nowMs;
}

/**
 * The expiry of a write in interop mode, where memcached alone decides: flags
 * 0, and `ttlMs` rounded up to whole seconds plus one, because memcached's
 * once-a-second clock can end a relative expiration of n seconds up to a
 * second early. So an entry lives at least `ttlMs`, at most about 2 s more.
 */
export function sharedExpiry(ttlMs: number, nowMs: number): WireExpiry {
  if (!Number.isFinite(ttlMs)) return NEVER;
  const seconds = Math.ceil(ttlMs / 1000) + 1;
  if (seconds <= RELATIVE_LIMIT_SECONDS) return { exptime: seconds, flags: 0 };
  const absolute = Math.ceil(nowMs / 1000) + seconds;
  return absolute > 0xffffffff ? NEVER : { exptime: absolute, flags: 0 };
}
