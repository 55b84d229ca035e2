import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CachePolicy } from '@pywatt/cache-core';
import { InMemoryCache } from '@pywatt/cache-memory';
import { compareIsolates } from '../isolate-rounds.js';
import type { TraceIsolateContender } from '../memory-traces-worker.js';
import { bestFixedWindow } from '../order-replay.js';
import { hitRatioChart, type Series } from '../svg-chart.js';
import { loadTrace, lruHitRatio, optHitRatio, type Trace } from '../trace-replay.js';

// `pnpm bench memory-traces`: real traces replayed through each memory policy by the public
// API (get; on a miss, set), next to exact LRU and Belady's OPT computed here. Writes one SVG
// chart per trace into packages/cache-memory/docs/traces/ and checks the targets of issue 19.
// `TRACES=extra` replays the validation set in ../shared/traces-extra instead (no charts);
// `TRACES_DIR=<dir>` reads that set's files from another folder (a copy of the same files).
// `MEMORY_TRACES=throughput` runs only the lru-vs-tinylfu throughput replays (each policy in a
// worker isolate of its own, see throughput()).
// Next to the policies, "fixed window" is the honest bound of the W-TinyLFU family as built
// here: tinylfu with its window held at the one share (0 % … 100 %) that, knowing the whole
// trace, does best at that size. An adaptive window can beat it (a phased trace wants
// different shares at different times), but rarely by much: when even that row closes less
// than half of the LRU→OPT gap, tuning the climber cannot reach the target there.

// The repository root; the traces sit beside it in ../shared.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const POLICIES: CachePolicy[] = ['lru', 'fifo', 'lfu', 'tinylfu'];
/** The traces whose replay throughput is compared (tinylfu vs lru). */
const THROUGHPUT_TRACES = ['multi2', 'web07'];

interface TraceSpec {
  file: string;
  name: string;
  sizes: number[];
  /** The size the issue's table gives (targets are checked there). */
  target: number;
}

const MAIN: TraceSpec[] = [
  {
    file: 'lirs-multi2.trace.gz',
    name: 'multi2',
    sizes: [250, 500, 1000, 1500, 2000, 2500, 3000],
    target: 2000,
  },
  {
    file: 'lirs-2_pools.trace.gz',
    name: '2_pools',
    sizes: [250, 500, 750, 1000, 1250, 1500, 2000],
    target: 1000,
  },
  { file: 'lirs-loop.trace.gz', name: 'loop', sizes: [100, 200, 400, 600, 800, 1000], target: 800 },
  {
    file: 'lirs-sprite.trace.gz',
    name: 'sprite',
    sizes: [100, 250, 500, 750, 1000, 1500, 2000],
    target: 500,
  },
  {
    file: 'cache2k-web07.trace.xz',
    name: 'web07',
    sizes: [1000, 2500, 5000, 7500, 10000],
    target: 5000,
  },
];

const EXTRA: TraceSpec[] = [
  { file: 'lirs-multi1.trace.gz', name: 'multi1', sizes: [500, 1000, 1500, 2000], target: 1000 },
  { file: 'lirs-multi3.trace.gz', name: 'multi3', sizes: [500, 1000, 2000, 3000], target: 2000 },
  { file: 'lirs-ps.trace.gz', name: 'ps', sizes: [250, 500, 1000, 1500], target: 1000 },
  { file: 'lirs-gli.trace.gz', name: 'gli', sizes: [250, 500, 1000, 1500, 2000], target: 1000 },
  { file: 'lirs-cs.trace.gz', name: 'cs', sizes: [100, 250, 500, 1000], target: 500 },
  { file: 'cache2k-web12.trace.xz', name: 'web12', sizes: [1000, 2500, 5000, 7500], target: 2500 },
  {
    file: 'cache2k-orm-busy.trace.xz',
    name: 'orm-busy',
    sizes: [1000, 2500, 5000, 10000],
    target: 2500,
  },
];

const value = new Uint8Array(8);

function cacheFor(policy: CachePolicy, maxItems: number): InMemoryCache {
  return new InMemoryCache({
    policy,
    maxItems,
    defaultTtlMs: Number.POSITIVE_INFINITY,
    sweepIntervalMs: Number.POSITIVE_INFINITY,
    copyValues: false,
  });
}

async function replay(cache: InMemoryCache, trace: Trace, keys: string[]): Promise<number> {
  let hits = 0;
  for (const id of trace.accesses) {
    const key = keys[id] as string;
    if ((await cache.get(key)) !== undefined) hits++;
    else await cache.set(key, value);
  }
  return hits / trace.accesses.length;
}

const pct = (r: number) => `${(r * 100).toFixed(2)}%`;
const FIXED = 'fixed window';
/** Share of the LRU→OPT gap a hit ratio closes (1 when LRU is already optimal). */
const closes = (ratio: number, r: TargetRow) =>
  r.opt > r.lru ? (ratio - r.lru) / (r.opt - r.lru) : 1;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

interface TargetRow {
  name: string;
  lru: number;
  lfu: number;
  tinylfu: number;
  /** tinylfu with the best fixed window share for this trace and size, chosen with hindsight. */
  fixed: number;
  /** That share. */
  fixedShare: number;
  opt: number;
}

async function evaluate(spec: TraceSpec, dir: string, chartDir: string | undefined) {
  const trace = loadTrace(join(dir, spec.file), spec.name);
  const keys = Array.from({ length: trace.distinct }, (_, i) => `block:${i}`);
  const results = new Map<string, number[]>(
    [...POLICIES, FIXED, 'exact LRU', 'OPT'].map((n) => [n, []]),
  );
  const shares: number[] = [];
  for (const size of spec.sizes) {
    for (const policy of POLICIES) {
      const cache = cacheFor(policy, size);
      results.get(policy)?.push(await replay(cache, trace, keys));
      await cache.close();
    }
    const best = bestFixedWindow(trace, keys, size);
    results.get(FIXED)?.push(best.ratio);
    shares.push(best.share);
    results.get('exact LRU')?.push(lruHitRatio(trace, size));
    results.get('OPT')?.push(optHitRatio(trace, size));
  }
  console.log(
    `\n## ${spec.name}: ${trace.accesses.length.toLocaleString('en-US')} accesses, ${trace.distinct.toLocaleString('en-US')} keys — hit ratio by cache size`,
  );
  console.log(['policy'.padEnd(12), ...spec.sizes.map((s) => String(s).padStart(8))].join(' '));
  for (const [name, ratios] of results)
    console.log([name.padEnd(12), ...ratios.map((r) => pct(r).padStart(8))].join(' '));
  console.log(
    ['  its share'.padEnd(12), ...shares.map((w) => `${Math.round(w * 100)}%`.padStart(8))].join(
      ' ',
    ),
  );
  if (chartDir !== undefined) {
    const series: Series[] = [
      ...POLICIES.map((p) => ({ name: p, ratios: results.get(p) ?? [] })),
      // tinylfu's own colour (the fourth policy), dashed: the same policy, tuned with hindsight.
      { name: FIXED, ratios: results.get(FIXED) ?? [], reference: true, color: '#9467bd' },
      { name: 'LRU (exact)', ratios: results.get('exact LRU') ?? [], reference: true },
      { name: 'OPT', ratios: results.get('OPT') ?? [], reference: true },
    ];
    const title = `${spec.name} (${trace.accesses.length.toLocaleString('en-US')} accesses): hit ratio`;
    writeFileSync(join(chartDir, `${spec.name}.svg`), hitRatioChart(title, spec.sizes, series));
  }
  const rowAt = (at: number): TargetRow => {
    const pick = (n: string) => results.get(n)?.[at] ?? 0;
    return {
      name: `${spec.name} @ ${spec.sizes[at]}`,
      lru: pick('exact LRU'),
      lfu: pick('lfu'),
      tinylfu: pick('tinylfu'),
      fixed: pick(FIXED),
      fixedShare: shares[at] ?? 0,
      opt: pick('OPT'),
    };
  };
  const row = rowAt(spec.sizes.indexOf(spec.target));
  return { row, everySize: spec.sizes.map((_, at) => rowAt(at)), trace };
}

/** The floor (the better of LRU and LFU minus one point) holds at every size, not only the table's. */
function checkFloors(rows: TargetRow[]): void {
  const below = rows.filter((r) => r.tinylfu < Math.max(r.lru, r.lfu) - 0.01);
  const missed = below.map(
    (r) => `${r.name} (${((r.tinylfu - Math.max(r.lru, r.lfu) + 0.01) * 100).toFixed(2)} pts)`,
  );
  console.log(
    `every size (${rows.length} cells): ${below.length === 0 ? 'floor met everywhere' : `below the floor at ${missed.join(', ')}`}; ` +
      `average share of the LRU→OPT gap closed: tinylfu ${(mean(rows.map((r) => closes(r.tinylfu, r))) * 100).toFixed(0)}%, ` +
      `best fixed window ${(mean(rows.map((r) => closes(r.fixed, r))) * 100).toFixed(0)}%`,
  );
}

function checkTargets(rows: TargetRow[]): void {
  console.log('\n## issue 19 targets for tinylfu');
  const points = (x: number) => (x * 100).toFixed(2);
  for (const r of rows) {
    const floor = Math.max(r.lru, r.lfu) - 0.01;
    console.log(
      `${r.name.padEnd(16)} LRU ${pct(r.lru)}  LFU ${pct(r.lfu)}  tinylfu ${pct(r.tinylfu)}  OPT ${pct(r.opt)}  ` +
        `vs max(LRU,LFU)−1: ${points(r.tinylfu - floor)} pts ${r.tinylfu >= floor ? 'met' : 'NOT MET'}; ` +
        `closes ${(closes(r.tinylfu, r) * 100).toFixed(0)}% of the LRU→OPT gap ` +
        `(best fixed window ${Math.round(r.fixedShare * 100)}%: ${pct(r.fixed)}, ${(closes(r.fixed, r) * 100).toFixed(0)}%)`,
    );
  }
  const closed = mean(rows.map((r) => closes(r.tinylfu, r)));
  console.log(
    `average share of the LRU→OPT gap closed: ${(closed * 100).toFixed(0)}% (target ≥ 50%): ${closed >= 0.5 ? 'met' : 'NOT MET'}; ` +
      `the best fixed window, chosen with hindsight per trace and size: ${(mean(rows.map((r) => closes(r.fixed, r))) * 100).toFixed(0)}%`,
  );
  const loop = rows.find((r) => r.name === 'loop @ 800');
  if (loop !== undefined) {
    const behind = loop.opt - loop.tinylfu;
    console.log(
      `loop @ 800: ${points(behind)} points behind OPT (target ≤ 6): ${behind <= 0.06 ? 'met' : 'NOT MET'}`,
    );
  }
}

const traceWorker = new URL('../memory-traces-worker.ts', import.meta.url).href;

/**
 * tinylfu's replay throughput against lru's, each contender in a V8 isolate of its own
 * (./isolate-rounds.ts): timed in one process, two caches running the same code read up
 * to 0.19 apart (shared inline caches and feedback, code placement), and the order in
 * which the policies were first run decided much of the lru ÷ tinylfu ratio. A turn is one
 * whole replay through a fresh cache; the A/A row (lru in a second isolate) shows what
 * "no difference" reads as. `MEMORY_TRACES_BLOCKS` sets the blocks (default 10).
 */
async function throughput(spec: TraceSpec, dir: string, accesses: number): Promise<void> {
  const blocks = Number(process.env.MEMORY_TRACES_BLOCKS ?? 10);
  const path = join(dir, spec.file);
  const size = spec.target;
  const contender = (name: string, policy: CachePolicy): TraceIsolateContender => ({
    name,
    policy,
    path,
    traceName: spec.name,
    maxItems: size,
  });
  await compareIsolates(
    `replay ${spec.name} @ ${size} (get; on a miss, set), one turn = the whole trace (target: tinylfu ≥ 0.8× lru, the interval's lower end included)`,
    [contender('lru', 'lru'), contender('lru (A/A)', 'lru'), contender('tinylfu', 'tinylfu')],
    accesses,
    { blocks, warmup: 10, rounds: 20, script: traceWorker },
  );
}

/** Hit ratios on the traces, one chart each, the targets, then tinylfu's throughput vs lru. */
export default async function run(): Promise<void> {
  const extra = process.env.TRACES === 'extra';
  const dir =
    process.env.TRACES_DIR ?? join(root, '..', 'shared', extra ? 'traces-extra' : 'traces');
  if (!existsSync(dir)) {
    console.log(`no traces at ${dir}: skipped`);
    return;
  }
  if (process.env.MEMORY_TRACES === 'throughput') {
    // Throughput only (hit ratios are deterministic; timings are what vary between runs).
    for (const spec of MAIN.filter((t) => THROUGHPUT_TRACES.includes(t.name)))
      await throughput(spec, dir, loadTrace(join(dir, spec.file), spec.name).accesses.length);
    return;
  }
  const chartDir = extra ? undefined : join(root, 'packages', 'cache-memory', 'docs', 'traces');
  if (chartDir !== undefined) mkdirSync(chartDir, { recursive: true });
  const rows: TargetRow[] = [];
  const cells: TargetRow[] = [];
  const replays: Array<{ spec: TraceSpec; accesses: number }> = [];
  for (const spec of extra ? EXTRA : MAIN) {
    if (!existsSync(join(dir, spec.file))) {
      console.log(`\n## ${spec.name}: no ${spec.file} in ${dir}: skipped`);
      continue;
    }
    const { row, everySize, trace } = await evaluate(spec, dir, chartDir);
    rows.push(row);
    cells.push(...everySize);
    if (THROUGHPUT_TRACES.includes(spec.name))
      replays.push({ spec, accesses: trace.accesses.length });
  }
  checkTargets(rows);
  checkFloors(cells);
  if (extra) return;
  for (const { spec, accesses } of replays) await throughput(spec, dir, accesses);
}
