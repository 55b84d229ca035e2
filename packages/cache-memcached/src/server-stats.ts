import type { ServerConnection } from './server-connection.js';

/** The memcached `stats` fields reported per server under `CacheStats.backend`. */
export const STATS_FIELDS = [
  'version',
  'uptime',
  'curr_items',
  'bytes',
  'limit_maxbytes',
  'get_hits',
  'get_misses',
  'evictions',
  'curr_connections',
] as const;

/** Each server's figures as `"host:port field"` → value (numbers where numeric), plus `servers`. */
export async function collectServerStats(
  servers: readonly ServerConnection[],
): Promise<Record<string, string | number>> {
  const backend: Record<string, string | number> = { servers: servers.length };
  const all = await Promise.all(servers.map(async (s) => [s.address, await s.stats()] as const));
  for (const [address, stats] of all) {
    for (const field of STATS_FIELDS) {
      const value = stats[field];
      if (value === undefined) continue;
      const n = Number(value);
      backend[`${address} ${field}`] = field !== 'version' && Number.isFinite(n) ? n : value;
    }
  }
  return backend;
}
