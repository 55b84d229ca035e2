import type { InvalidationBus } from '@pywatt/cache-tiered';

/** A bus that notes, per full key, when this process applied its invalidation (process.hrtime). */
export interface RecordingBus {
  readonly bus: InvalidationBus;
  readonly applied: Map<string, bigint>;
}

/** Wraps `bus` so every key invalidation it delivers is timed as it is applied. */
export function recordingBus(bus: InvalidationBus): RecordingBus {
  const applied = new Map<string, bigint>();
  return {
    applied,
    bus: {
      kind: bus.kind,
      join: (listener, fullPrefix) =>
        bus.join(
          {
            invalidate(message) {
              listener.invalidate(message);
              if (message.kind !== 'keys') return;
              const at = process.hrtime.bigint();
              for (const key of message.keys) if (!applied.has(key)) applied.set(key, at);
            },
            down: () => listener.down(),
            up: () => listener.up(),
          },
          fullPrefix,
        ),
    },
  };
}

/** One contender: how a write is made, and where the other side notes it. */
export interface LagContender {
  name: string;
  write(key: string): Promise<void>;
  /** The full key the receiving side sees for `key`. */
  fullKey(key: string): string;
  applied: Map<string, bigint>;
}

interface Samples {
  fromStart: number[];
  fromAck: number[];
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;

/**
 * Writes `count` keys one after the other per contender, in interleaved batches
 * (so load drift hits everyone alike), and prints the invalidation lag as seen by
 * the receiving side: from the write's start, and from its acknowledgement
 * (negative: the other side had it before the writer's call resolved).
 */
export async function measureInvalidationLag(
  title: string,
  contenders: LagContender[],
  count: number,
  batches = 10,
): Promise<void> {
  const samples = new Map<string, Samples>(
    contenders.map((c) => [c.name, { fromStart: [], fromAck: [] }]),
  );
  const perBatch = Math.ceil(count / batches);
  for (let batch = 0; batch < batches; batch++) {
    const order = batch % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      const times: Array<[string, bigint, bigint]> = [];
      for (let i = batch * perBatch; i < Math.min(count, (batch + 1) * perBatch); i++) {
        const key = `lag:${i}`;
        const start = process.hrtime.bigint();
        await c.write(key);
        times.push([c.fullKey(key), start, process.hrtime.bigint()]);
      }
      const deadline = Date.now() + 30_000;
      while (times.some(([key]) => !c.applied.has(key))) {
        if (Date.now() > deadline) throw new Error(`${c.name}: invalidations never arrived`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const s = samples.get(c.name) as Samples;
      for (const [key, start, ack] of times) {
        const at = c.applied.get(key) as bigint;
        s.fromStart.push(Number(at - start) / 1e6);
        s.fromAck.push(Number(at - ack) / 1e6);
      }
    }
  }
  const show = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return [0.5, 0.99].map((q) => quantile(sorted, q).toFixed(3)).concat(sorted.at(-1)!.toFixed(3));
  };
  console.log(`\n## ${title}`);
  console.log(
    '| contender | start→applied p50 / p99 / max (ms) | ack→applied p50 / p99 / max (ms) |',
  );
  console.log('| --- | --: | --: |');
  for (const c of contenders) {
    const s = samples.get(c.name) as Samples;
    console.log(
      `| ${c.name} | ${show(s.fromStart).join(' / ')} | ${show(s.fromAck).join(' / ')} |`,
    );
  }
}
