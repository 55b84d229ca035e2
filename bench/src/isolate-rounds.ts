import { Worker } from 'node:worker_threads';

// Comparisons that can settle about 1 % on a machine shared with other work.
//
// Each contender runs in a worker thread of its own, so in a V8 isolate of its own: loading
// two builds into one isolate biased their ratio by up to ±9 % depending on which was loaded
// first (shared code's inline caches and feedback, code placement). The parent makes the
// workers take turns, one round each, in a balanced order (rotated, reversed every other
// round); only the worker whose turn it is runs, and it times its round by CPU time. Load
// from other work changes over seconds (another process on the sibling hyperthread makes a
// round up to 2× slower), so each round's ratio, the baseline's time over the contender's in
// the same turn, is taken while both met the same load. A block is a fresh set of workers
// (fresh isolates, fresh code placement); its figure is the median of its rounds' ratios, and
// a row gives the median over blocks with its 95 % interval (distribution-free). An A/A
// contender (the baseline's code in another isolate) shows what "no difference" reads as.

export const IDLE = 0;
export const RUN = 1;
export const STOP = 2;

/** One contender: which build, backend and observability setup its worker runs. */
export interface IsolateContender {
  name: string;
  /** A git commit (prepared by prepareBuild), `worktree` or `published`. */
  ref: string;
  backend: 'memory' | 'redis';
  /** none | channel | stats | default | a sampleEvery (see observability-worker.ts). */
  mode: string;
  url?: string | undefined;
}

/** What every worker is given besides its contender's own fields. */
export interface TurnControl {
  script: string;
  opsPerRound: number;
  control: SharedArrayBuffer;
  results: SharedArrayBuffer;
  index: number;
}

/** What an observability worker is given. */
export interface WorkerSpec extends IsolateContender, TurnControl {}

const STARTING = -1;
const bootstrap = new URL('./worker-bootstrap.mjs', import.meta.url);
const observabilityWorker = new URL('./observability-worker.ts', import.meta.url).href;

/** The median of `values` and its 95 % interval: order statistics from the binomial(n, ½). */
export function medianInterval(values: readonly number[]): [number, number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mid =
    n % 2 === 1
      ? (sorted[(n - 1) / 2] as number)
      : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
  // The largest k with P(Binomial(n, ½) < k) <= 2.5 %: [x_k, x_{n+1-k}] (1-based) holds the median.
  let k = 0;
  let below = 0;
  let term = 0.5 ** n;
  for (let i = 0; i < n && below + term <= 0.025; i++) {
    below += term;
    term = (term * (n - i)) / (i + 1);
    k = i + 1;
  }
  return k === 0
    ? [mid, Number.NaN, Number.NaN]
    : [mid, sorted[k - 1] as number, sorted[n - k] as number];
}

/**
 * The worker's side: runs `round` each time the parent gives this worker the turn,
 * timing it by CPU time (only this thread runs meanwhile), until the parent stops it.
 */
export async function serveTurns(spec: TurnControl, round: () => Promise<void>): Promise<void> {
  const ctrl = new Int32Array(spec.control);
  const times = new Float64Array(spec.results);
  const { index } = spec;
  Atomics.store(ctrl, index, IDLE);
  Atomics.notify(ctrl, index);
  for (;;) {
    Atomics.wait(ctrl, index, IDLE);
    if (Atomics.load(ctrl, index) !== RUN) return;
    const start = process.cpuUsage();
    await round();
    const used = process.cpuUsage(start);
    times[index] = (used.user + used.system) / 1000;
    Atomics.store(ctrl, index, IDLE);
    Atomics.notify(ctrl, index);
  }
}

function waitWhile(ctrl: Int32Array, index: number, value: number): void {
  // A worker that failed never answers: give up rather than hang the bench.
  if (Atomics.wait(ctrl, index, value, 120_000) === 'timed-out')
    throw new Error(`bench worker ${index} did not answer`);
}

/** One block: fresh workers, `warmup` untimed turns, then `rounds` timed ones. */
async function runBlock(
  contenders: ReadonlyArray<{ name: string }>,
  script: string,
  opsPerRound: number,
  warmup: number,
  rounds: number,
): Promise<number[][]> {
  const n = contenders.length;
  const control = new SharedArrayBuffer(4 * n);
  const results = new SharedArrayBuffer(8 * n);
  const ctrl = new Int32Array(control).fill(STARTING);
  const times = new Float64Array(results);
  const failures: unknown[] = [];
  const workers = contenders.map((c, index) => {
    const workerData: TurnControl = { ...c, script, opsPerRound, control, results, index };
    const worker = new Worker(bootstrap, { workerData });
    worker.on('error', (error) => {
      failures.push(error);
      Atomics.store(ctrl, index, IDLE);
      Atomics.notify(ctrl, index);
    });
    return worker;
  });
  const exited = workers.map((w) => new Promise((resolve) => w.once('exit', resolve)));
  // Started one after another would be fairer to the first, but they only compile meanwhile.
  await Promise.all(
    contenders.map(async (_, i) => {
      while (Atomics.load(ctrl, i) === STARTING) await new Promise((r) => setTimeout(r, 20));
    }),
  );
  const measured = contenders.map((): number[] => []);
  try {
    for (let r = -warmup; r < rounds && failures.length === 0; r++) {
      const shift = Math.floor(r / 2 + warmup) % n;
      const order = [...Array(n).keys()].map((i) => (i + shift) % n);
      for (const i of r % 2 === 0 ? order : order.reverse()) {
        Atomics.store(ctrl, i, RUN);
        Atomics.notify(ctrl, i);
        waitWhile(ctrl, i, RUN);
        if (r >= 0) measured[i]?.push(times[i] as number);
      }
    }
  } finally {
    for (let i = 0; i < n; i++) {
      Atomics.store(ctrl, i, STOP);
      Atomics.notify(ctrl, i);
    }
    await Promise.all(exited);
  }
  if (failures.length > 0) throw failures[0];
  return measured;
}

/**
 * Compares `contenders` (the first is the baseline) over `blocks` blocks of fresh
 * workers, each `rounds` turns of `opsPerRound` calls after `warmup` untimed turns.
 * Each worker runs `script` (default: the observability worker) with its contender's
 * fields and a {@link TurnControl} as `workerData`, and answers turns as that one does.
 */
export async function compareIsolates(
  title: string,
  contenders: ReadonlyArray<{ name: string }>,
  opsPerRound: number,
  {
    blocks,
    rounds = 60,
    warmup = 100,
    versus,
    script = observabilityWorker,
  }: {
    blocks: number;
    /** The worker module's URL (href). */
    script?: string;
    rounds?: number;
    warmup?: number;
    /** A second reference: the index of the contender a last column compares each with. */
    versus?: number;
  },
): Promise<void> {
  const ratios = contenders.map((): number[] => []);
  const versusRatios = contenders.map((): number[] => []);
  const ms = contenders.map((): number[] => []);
  const blockRatio = (of: number[], to: number[]) =>
    medianInterval(of.map((t, r) => (to[r] as number) / t))[0];
  for (let b = 0; b < blocks; b++) {
    const measured = await runBlock(contenders, script, opsPerRound, warmup, rounds);
    measured.forEach((own, i) => {
      ratios[i]?.push(blockRatio(own, measured[0] as number[]));
      if (versus !== undefined)
        versusRatios[i]?.push(blockRatio(own, measured[versus] as number[]));
      ms[i]?.push(medianInterval(own)[0]);
    });
  }
  console.log(
    `\n## ${title}, by CPU time  (${blocks} blocks of fresh isolates × ${rounds} turns of ${opsPerRound} calls; ratio = ${contenders[0]?.name}'s time ÷ the contender's in the same turn, median over turns then over blocks, [95 % interval over blocks])`,
  );
  const width = Math.max(...contenders.map((c) => c.name.length), 10);
  const versusName = versus === undefined ? '' : contenders[versus]?.name;
  console.log(
    `${'contender'.padEnd(width)}  ${'ms/turn'.padStart(7)}  ${'ops/s'.padStart(11)}  ${'ratio'.padStart(6)}  ${'95 % interval'.padEnd(16)}${versus === undefined ? '' : `  ÷ ${versusName} [95 % interval]`}`,
  );
  contenders.forEach((c, i) => {
    const [turnMs] = medianInterval(ms[i] as number[]);
    const [ratio, low, high] = medianInterval(ratios[i] as number[]);
    const opsPerSec = Math.round((opsPerRound / turnMs) * 1000).toLocaleString('en-US');
    const interval = i === 0 ? '' : `[${low.toFixed(3)}, ${high.toFixed(3)}]`;
    let second = '';
    if (versus !== undefined && i !== versus && i !== 0) {
      const [v, vLow, vHigh] = medianInterval(versusRatios[i] as number[]);
      second = `  ${v.toFixed(3)}× [${vLow.toFixed(3)}, ${vHigh.toFixed(3)}]`;
    }
    console.log(
      `${c.name.padEnd(width)}  ${turnMs.toFixed(2).padStart(7)}  ${opsPerSec.padStart(11)}  ${ratio.toFixed(3).padStart(6)}×  ${interval.padEnd(16)}${second}`,
    );
  });
  // OBS_DEBUG=1: each block's ratio, to see the spread the interval summarizes.
  if (process.env.OBS_DEBUG)
    for (const [i, c] of contenders.entries())
      console.log(c.name, ratios[i]?.map((x) => x.toFixed(3)).join(' '));
}
