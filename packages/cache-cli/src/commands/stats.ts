import type { CacheStats } from '@pywatt/cache-core';
import { type Command, formatBytes } from '../command.js';
import type { Terminal } from '../terminal.js';

/** The server-wide figures an operator watches, from whatever the backend reports. */
export interface LiveFigures {
  /** Reads that found a value, since the server started (undefined: not reported). */
  hits: number | undefined;
  /** Reads that found nothing. */
  misses: number | undefined;
  /** A counter that grows with every operation: its rate is ops/s. */
  operations: number | undefined;
  /** Memory the server uses for data, in bytes. */
  memoryBytes: number | undefined;
  /** Entries held. */
  items: number | undefined;
}

/** Sums the numeric backend fields named `field` or ending in ` field` (memcached reports one per server). */
function sum(backend: CacheStats['backend'], field: string): number | undefined {
  let total: number | undefined;
  for (const [name, value] of Object.entries(backend)) {
    if ((name === field || name.endsWith(` ${field}`)) && typeof value === 'number')
      total = (total ?? 0) + value;
  }
  return total;
}

/**
 * Redis reports keyspace hits/misses and commands processed, memcached get
 * hits/misses; a process's own counters would only count this command's calls.
 */
export function liveFigures(stats: CacheStats): LiveFigures {
  const b = stats.backend;
  const hits = sum(b, 'keyspace_hits') ?? sum(b, 'get_hits');
  const misses = sum(b, 'keyspace_misses') ?? sum(b, 'get_misses');
  const reads = hits === undefined || misses === undefined ? undefined : hits + misses;
  return {
    hits,
    misses,
    operations: sum(b, 'total_commands_processed') ?? reads,
    memoryBytes: stats.memoryUsedBytes ?? sum(b, 'used_memory') ?? sum(b, 'bytes'),
    items: stats.itemCount ?? sum(b, 'curr_items') ?? sum(b, 'itemCount'),
  };
}

/** hits / (hits + misses) as a percentage, or `—` when the backend does not report both. */
export function hitRatio(f: LiveFigures): string {
  if (f.hits === undefined || f.misses === undefined) return '—';
  const reads = f.hits + f.misses;
  return reads === 0 ? '—' : `${((f.hits / reads) * 100).toFixed(1)}%`;
}

function table(terminal: Terminal, rows: ReadonlyArray<readonly [string, string]>): void {
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) terminal.out(`  ${name.padEnd(width)}  ${value}`);
}

export const statsCommand: Command = {
  name: 'stats',
  summary: "the cache's figures as a table or JSON",
  help: `Usage: pywatt-cache stats [URL] [--json]

Prints what the backend reports: entries, memory, the server's hit ratio
(Redis, memcached) and its own figures (Redis INFO, memcached stats...).

  --json    the whole stats() object as JSON`,
  options: { json: { type: 'boolean' } },
  args: { min: 0, max: 0 },
  async run({ terminal, values, shownUrl, open }) {
    const cache = await open();
    const stats = await cache.stats();
    if (values.json === true) {
      terminal.out(JSON.stringify({ type: cache.type, ...stats }, null, 2));
      return;
    }
    const live = liveFigures(stats);
    terminal.out(terminal.paint('bold', `${shownUrl} (${cache.type})`));
    table(terminal, [
      ['entries', live.items === undefined ? '—' : String(live.items)],
      ['memory', formatBytes(live.memoryBytes)],
      ['hit ratio', hitRatio(live)],
      ['hits', live.hits === undefined ? '—' : String(live.hits)],
      ['misses', live.misses === undefined ? '—' : String(live.misses)],
    ]);
    const backend = Object.entries(stats.backend).sort(([a], [b]) => a.localeCompare(b));
    if (backend.length === 0) return;
    terminal.out(terminal.paint('bold', 'backend'));
    table(
      terminal,
      backend.map(([name, value]) => [name, String(value)]),
    );
  },
};
