/** Figures kept from INFO, summed over the masters of a Cluster where they are counts. */
const SUMMED = [
  'used_memory',
  'used_memory_peak',
  'connected_clients',
  'evicted_keys',
  'expired_keys',
  'keyspace_hits',
  'keyspace_misses',
  'total_commands_processed',
];
const FIRST = [
  'redis_version',
  'redis_mode',
  'os',
  'maxmemory',
  'maxmemory_policy',
  'uptime_in_seconds',
];

/** Parses `INFO` text into `field → value` (numbers where the value is one). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/**
 * Merges the INFO of every data node into the `backend` record of stats():
 * server version and mode, memory, evictions, expirations, hits and misses of
 * the server, and `db<N>_keys` / `db<N>_expires` from the keyspace section.
 */
export function mergeInfo(infos: readonly string[]): Record<string, string | number> {
  const out: Record<string, string | number> = { nodes: infos.length };
  const parsed = infos.map(parseInfo);
  for (const field of FIRST) {
    const value = parsed[0]?.get(field);
    if (value !== undefined) out[field] = /^\d+$/.test(value) ? Number(value) : value;
  }
  const add = (field: string, value: number): void => {
    out[field] = ((out[field] as number | undefined) ?? 0) + value;
  };
  for (const info of parsed) {
    for (const field of SUMMED) {
      const value = Number(info.get(field));
      if (Number.isFinite(value)) add(field, value);
    }
    for (const [field, value] of info) {
      if (!/^db\d+$/.test(field)) continue;
      for (const part of value.split(',')) {
        const [name, count] = part.split('=');
        if ((name === 'keys' || name === 'expires') && Number.isFinite(Number(count))) {
          add(`${field}_${name}`, Number(count));
        }
      }
    }
  }
  return out;
}
