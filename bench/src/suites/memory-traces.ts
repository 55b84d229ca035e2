import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CachePolicy } from '@pywatt/cache-core';
import { InMemoryCache } from '@pywatt/cache-memory';
import { type Contender, compare } from '../harness.js';
import { hitRatioChart, type Series } from '../svg-chart.js';
import { loadTrace, lruHitRatio, optHitRatio, type Trace } from '../trace-replay.js';

// `pnpm bench memory-traces`: real traces replayed through each memory policy by the public
// API (get; on a miss, set), next to exact LRU and Belady's OPT computed here. Writes one SVG
// chart per trace into packages/cache-memory/docs/traces/ and checks the targets of issue 19.
// `TRACES=extra` replays the validation set in ../shared/traces-extra instead (no charts);
// `TRACES_DIR=<dir>` reads that set's files from another folder (a copy of the same files).
// `MEMORY_TRACES=throughput` runs only the lru-vs-tinylfu throughput replays.

// The repository root; the traces sit beside it in ../shared.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const POLICIES: CachePolicy[] = ['lru', 'fifo', 'lfu', 'tinylfu'];

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

interface TargetRow {
  name: string;
  lru: number;
  lfu: number;
  tinylfu: number;
  opt: number;
}

async function evaluate(spec: TraceSpec, dir: string, chartDir: string | undefined) {
  const trace = loadTrace(join(dir, spec.file), spec.name);
  const keys = Array.from({ length: trace.distinct }, (_, i) => `block:${i}`);
  const results = new Map<string, number[]>([...POLICIES, 'exact LRU', 'OPT'].map((n) => [n, []]));
  for (const size of spec.sizes) {
    for (const policy of POLICIES) {
      const cache = cacheFor(policy, size);
      results.get(policy)?.push(await replay(cache, trace, keys));
      await cache.close();
    }
    results.get('exact LRU')?.push(lruHitRatio(trace, size));
    results.get('OPT')?.push(optHitRatio(trace, size));
  }
  console.log(
    `\n## ${spec.name}: ${trace.accesses.length.toLocaleString('en-US')} accesses, ${trace.distinct.toLocaleString('en-US')} keys — hit ratio by cache size`,
  );
  console.log(['policy'.padEnd(10), ...spec.sizes.map((s) => String(s).padStart(8))].join(' '));
  for (const [name, ratios] of results)
    console.log([name.padEnd(10), ...ratios.map((r) => pct(r).padStart(8))].join(' '));
  if (chartDir !== undefined) {
    const series: Series[] = [
      ...POLICIES.map((p) => ({ name: p, ratios: results.get(p) ?? [] })),
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
      opt: pick('OPT'),
    };
  };
  const row = rowAt(spec.sizes.indexOf(spec.target));
  return { row, everySize: spec.sizes.map((_, at) => rowAt(at)), trace, keys };
}

/** The floor (the better of LRU and LFU minus one point) holds at every size, not only the table's. */
function checkFloors(rows: TargetRow[]): void {
  const below = rows.filter((r) => r.tinylfu < Math.max(r.lru, r.lfu) - 0.01);
  const shares = rows.map((r) => (r.opt > r.lru ? (r.tinylfu - r.lru) / (r.opt - r.lru) : 1));
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  console.log(
    `every size (${rows.length} cells): ${below.length === 0 ? 'floor met everywhere' : `below the floor at ${below.map((r) => `${r.name} (${((r.tinylfu - Math.max(r.lru, r.lfu) + 0.01) * 100).toFixed(2)} pts)`).join(', ')}`}; ` +
      `average share of the LRU→OPT gap closed ${(mean * 100).toFixed(0)}%`,
  );
}

function checkTargets(rows: TargetRow[]): void {
  console.log('\n## issue 19 targets for tinylfu');
  const points = (x: number) => (x * 100).toFixed(2);
  let closed = 0;
  for (const r of rows) {
    const floor = Math.max(r.lru, r.lfu) - 0.01;
    const gap = r.opt - r.lru;
    const share = gap > 0 ? (r.tinylfu - r.lru) / gap : 1;
    closed += share;
    console.log(
      `${r.name.padEnd(16)} LRU ${pct(r.lru)}  LFU ${pct(r.lfu)}  tinylfu ${pct(r.tinylfu)}  OPT ${pct(r.opt)}  ` +
        `vs max(LRU,LFU)−1: ${points(r.tinylfu - floor)} pts ${r.tinylfu >= floor ? 'met' : 'NOT MET'}; ` +
        `closes ${(share * 100).toFixed(0)}% of the LRU→OPT gap`,
    );
  }
  const mean = closed / rows.length;
  console.log(
    `average share of the LRU→OPT gap closed: ${(mean * 100).toFixed(0)}% (target ≥ 50%): ${mean >= 0.5 ? 'met' : 'NOT MET'}`,
  );
  const loop = rows.find((r) => r.name === 'loop @ 800');
  if (loop !== undefined) {
    const behind = loop.opt - loop.tinylfu;
    console.log(
      `loop @ 800: ${points(behind)} points behind OPT (target ≤ 6): ${behind <= 0.06 ? 'met' : 'NOT MET'}`,
    );
  }
}

/** Replays a trace at one size per round, fresh cache each time: lru against tinylfu. */
async function throughput(trace: Trace, keys: string[], size: number): Promise<void> {
  const contenders: Contender[] = (['lru', 'tinylfu'] as CachePolicy[]).map((policy) => {
    let cache = cacheFor(policy, size);
    return {
      name: `InMemoryCache ${policy}`,
      beforeRound: async () => {
        await cache.close();
        cache = cacheFor(policy, size);
      },
      round: async () => {
        await replay(cache, trace, keys);
      },
    };
  });
  await compare(`replay ${trace.name} @ ${size} (get; on a miss, set)`, contenders, {
    baseline: 'InMemoryCache lru',
    opsPerRound: trace.accesses.length,
    rounds: 9,
  });
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
    for (const spec of MAIN.filter((t) => ['multi2', 'web07'].includes(t.name))) {
      const trace = loadTrace(join(dir, spec.file), spec.name);
      const keys = Array.from({ length: trace.distinct }, (_, i) => `block:${i}`);
      await throughput(trace, keys, spec.target);
    }
    return;
  }
  const chartDir = extra ? undefined : join(root, 'packages', 'cache-memory', 'docs', 'traces');
  if (chartDir !== undefined) mkdirSync(chartDir, { recursive: true });
  const rows: TargetRow[] = [];
  const cells: TargetRow[] = [];
  const replays: Array<{ trace: Trace; keys: string[]; size: number }> = [];
  for (const spec of extra ? EXTRA : MAIN) {
    const { row, everySize, trace, keys } = await evaluate(spec, dir, chartDir);
    rows.push(row);
    cells.push(...everySize);
    replays.push({ trace, keys, size: spec.target });
  }
  checkTargets(rows);
  checkFloors(cells);
  if (extra) return;
  for (const { trace, keys, size } of replays.filter((r) =>
    ['multi2', 'web07'].includes(r.trace.name),
  ))
    await throughput(trace, keys, size);
}
