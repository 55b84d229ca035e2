import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRedisCache } from '@pywatt/cache-redis';
import { createRedisBus, createTieredCache } from '@pywatt/cache-tiered';

const peerScript = fileURLToPath(new URL('./tiered-lag-peer.ts', import.meta.url));

interface Peer {
  applied(): Promise<Array<[string, string]>>;
  close(): Promise<void>;
}

function startPeer(url: string, namespace: string, kind: 'pubsub' | 'tracking'): Promise<Peer> {
  const child = fork(peerScript, [url, namespace, kind], { execArgv: ['--import', 'tsx'] });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve) => child.once('message', resolve as never));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return next().then(() => ({
    applied: async () => {
      const reply = next();
      child.send({ op: 'applied' });
      return (await reply).applied as Array<[string, string]>;
    },
    close: async () => {
      child.send({ op: 'close' });
      await exited;
    },
  }));
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;

function figures(values: number[]): string {
  const sorted = [...values].sort((x, y) => x - y);
  const ms = (v: number) => `${v.toFixed(3)} ms`.padStart(11);
  return `p50 ${ms(quantile(sorted, 0.5))}  p99 ${ms(quantile(sorted, 0.99))}  max ${ms(sorted.at(-1) as number)}`;
}

/**
 * Invalidation lag between processes on one host: this process writes `count` keys
 * one after another through a tiered cache on the pub/sub bus; two other processes
 * (one on the pub/sub bus, one on the tracking bus) record when each invalidation
 * was applied. Prints p50/p99/max from the write's acknowledgement and from its start.
 *
 * `pauseMs` 0 writes back to back, so the writer, redis-server and both listeners
 * all want a core at once (four busy processes on this 2-core host); a pause after
 * each write measures the lag while the host has a core free for the listener, the
 * way a latency is quoted (below saturation).
 */
export async function invalidationLag(url: string, count: number, pauseMs = 0): Promise<void> {
  const namespace = `lag${process.pid}`;
  const peers = {
    pubsub: await startPeer(url, namespace, 'pubsub'),
    tracking: await startPeer(url, namespace, 'tracking'),
  };
  const writer = await createTieredCache({
    l2: await createRedisCache({ url, namespace }),
    bus: createRedisBus({ url }),
  });
  try {
    const times: Array<[bigint, bigint]> = [];
    for (let i = 0; i < count; i++) {
      const start = process.hrtime.bigint();
      await writer.setString(`k${i}`, 'x');
      times.push([start, process.hrtime.bigint()]);
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    const seconds = Number(process.hrtime.bigint() - (times[0] as [bigint, bigint])[0]) / 1e9;
    const pace =
      pauseMs > 0
        ? `a ${pauseMs} ms pause after each (${Math.round(count / seconds)} writes/s)`
        : `back to back (${Math.round(count / seconds)} writes/s, every process busy)`;
    console.log(
      `\n## Invalidation lag between processes, ${count} sequential writes, ${pace} (process.hrtime, one host)`,
    );
    for (const [kind, peer] of Object.entries(peers)) {
      const wanted = new Map(times.map((t, i) => [`${namespace}:k${i}`, t]));
      const fromAck: number[] = [];
      const fromStart: number[] = [];
      const deadline = Date.now() + 30_000;
      let seen = new Map<string, bigint>();
      while (seen.size < count && Date.now() < deadline) {
        seen = new Map();
        for (const [key, at] of await peer.applied()) {
          if (wanted.has(key) && !seen.has(key)) seen.set(key, BigInt(at));
        }
        if (seen.size < count) await new Promise((r) => setTimeout(r, 50));
      }
      for (const [key, at] of seen) {
        const [start, ack] = wanted.get(key) as [bigint, bigint];
        fromAck.push(Number(at - ack) / 1e6);
        fromStart.push(Number(at - start) / 1e6);
      }
      console.log(
        `${`${kind} bus, acknowledged -> applied`.padEnd(38)} ${figures(fromAck)}  (${seen.size}/${count} applied)`,
      );
      console.log(`${`${kind} bus, write started -> applied`.padEnd(38)} ${figures(fromStart)}`);
    }
    console.log('(negative: the other process had applied it before the write resolved here)');
  } finally {
    await writer.close();
    for (const peer of Object.values(peers)) await peer.close();
  }
}
