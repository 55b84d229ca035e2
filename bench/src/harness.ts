import { performance } from 'node:perf_hooks';

/** One thing being timed. `round` does the same fixed amount of work every time it is called. */
export interface Contender {
  name: string;
  /** Runs before each round, untimed (e.g. a fresh directory). */
  beforeRound?: () => Promise<void> | void;
  round: () => Promise<void>;
}

export interface ComparisonOptions {
  /** Name of the contender every ratio is relative to. */
  baseline: string;
  /** Operations one round performs, for ops/s. */
  opsPerRound: number;
  /** Timed rounds per contender, interleaved. Default 7. */
  rounds?: number;
  /** Untimed rounds first, to warm the JIT. Default 1. */
  warmupRounds?: number;
  /**
   * What a round's time is: `'wall'` (default) or `'cpu'`, the process's user + system CPU
   * time (GC threads included), which a loaded machine inflates far less than wall time.
   * For in-process contenders only: time spent waiting on a server is not CPU time.
   */
  clock?: 'wall' | 'cpu';
}

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export interface ComparisonRow {
  name: string;
  medianMs: number;
  opsPerSec: number;
  ratio: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Who goes in round `r`: a rotation, so each contender goes first in turn, and the
 * reversed list every other pass of rotations, so each follows every other one as often.
 * Plain rotation keeps the cyclic order, so a contender always ran right after the same
 * one and paid for its leftovers (garbage collected during the next round, counted in that
 * round's time and CPU): in `pnpm bench redis`, whoever followed auto-pipelined ioredis.
 */
function roundOrder<T>(contenders: readonly T[], r: number): T[] {
  const n = contenders.length;
  const pass = Math.floor(r / n);
  const list = pass % 2 === 0 ? contenders : [...contenders].reverse();
  const shift = ((r % n) + n) % n;
  return [...list.slice(shift), ...list.slice(0, shift)];
}

/**
 * Times contenders side by side in one process, interleaving their rounds (and
 * rotating who goes first) so drift in machine load hits everyone alike, then
 * prints medians and the throughput ratio of each to the baseline.
 */
export async function compare(
  title: string,
  contenders: Contender[],
  options: ComparisonOptions,
): Promise<ComparisonRow[]> {
  const rounds = options.rounds ?? 7;
  const warmup = options.warmupRounds ?? 1;
  const now = options.clock === 'cpu' ? cpuMs : () => performance.now();
  const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = -warmup; r < rounds; r++) {
    const order = roundOrder(contenders, r);
    for (const contender of order) {
      await contender.beforeRound?.();
      const start = now();
      await contender.round();
      const elapsed = now() - start;
      if (r >= 0) times.get(contender.name)!.push(elapsed);
    }
  }
  const rows = contenders.map((c) => {
    const medianMs = median(times.get(c.name)!);
    return { name: c.name, medianMs, opsPerSec: (options.opsPerRound / medianMs) * 1000, ratio: 0 };
  });
  const base = rows.find((row) => row.name === options.baseline);
  if (base === undefined) throw new Error(`baseline ${options.baseline} is not a contender`);
  for (const row of rows) row.ratio = row.opsPerSec / base.opsPerSec;
  printTable(title, rows, options.baseline, rounds, options.clock);
  return rows;
}

/** Prints rows as an aligned table with the ratio to the baseline. */
export function printTable(
  title: string,
  rows: ComparisonRow[],
  baseline: string,
  rounds: number,
  clock: 'wall' | 'cpu' = 'wall',
): void {
  const by = clock === 'cpu' ? '; by CPU time' : '';
  console.log(
    `\n## ${title}  (median of ${rounds} interleaved rounds${by}; ratio = ops/s ÷ ${baseline})`,
  );
  const width = Math.max(...rows.map((r) => r.name.length), 10);
  const ms = clock === 'cpu' ? 'median CPU ms' : 'median ms';
  console.log(
    `${'contender'.padEnd(width)}  ${ms.padStart(10)}  ${'ops/s'.padStart(12)}  ${'ratio'.padStart(6)}`,
  );
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(width)}  ${row.medianMs.toFixed(2).padStart(10)}  ${Math.round(row.opsPerSec).toLocaleString('en-US').padStart(12)}  ${row.ratio.toFixed(2).padStart(6)}×`,
    );
  }
}

/** Runs `count` calls of `op` with at most `inFlight` outstanding at once. */
export async function withConcurrency(
  count: number,
  inFlight: number,
  op: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await op(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}
