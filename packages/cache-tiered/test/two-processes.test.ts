import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { freshNamespace } from './support/helpers.js';

const worker = fileURLToPath(new URL('./support/tier-worker.ts', import.meta.url));

/** A tiered cache in a child process, driven one JSON command at a time. */
interface Peer {
  ask<T>(command: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

function startPeer(url: string, namespace: string): Promise<Peer> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', worker, url, namespace], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: Array<(line: unknown) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    waiting.shift()?.(JSON.parse(line));
  });
  const next = () => new Promise<unknown>((resolve) => waiting.push(resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const peer: Peer = {
    async ask<T>(command: Record<string, unknown>) {
      const reply = next();
      child.stdin!.write(`${JSON.stringify(command)}\n`);
      const answer = (await reply) as T & { error?: string };
      if (answer.error !== undefined) throw new Error(`peer failed: ${answer.error}`);
      return answer;
    },
    async close() {
      if (child.exitCode === null) {
        await peer.ask({ op: 'close' });
        await exited;
      }
    },
  };
  return next().then(() => peer);
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;

describe('two processes sharing Redis through tiered caches', () => {
  let peers: Peer[] = [];
  afterEach(async () => {
    await Promise.all(peers.map((p) => p.close()));
    peers = [];
  });
  const start = async () => {
    const namespace = freshNamespace();
    const url = inject('redisUrl');
    peers = await Promise.all([startPeer(url, namespace), startPeer(url, namespace)]);
    return { a: peers[0]!, b: peers[1]!, namespace };
  };

  it('a write in A reaches B: from the first read that sees it, B never returns the old value again (200 rounds)', async () => {
    const { a, b } = await start();
    let staleReads = 0;
    for (let round = 0; round < 200; round++) {
      await a.ask({ op: 'set', key: 'k', value: `v${round}` });
      // Pub/sub gives no acknowledgement from B: B may answer the previous value until
      // the invalidation lands (the lag measured below); it must land, and then stick.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const { value } = await b.ask<{ value: string }>({ op: 'get', key: 'k' });
        if (value === `v${round}`) break;
        expect(value, 'only the value just replaced may be seen').toBe(`v${round - 1}`);
        expect(Date.now(), `round ${round}: B never saw the write`).toBeLessThan(deadline);
        staleReads++;
      }
      for (let read = 0; read < 3; read++) {
        const { value } = await b.ask<{ value: string }>({ op: 'get', key: 'k' });
        expect(value).toBe(`v${round}`);
      }
    }
    console.log(
      `two processes: ${staleReads} of 200 first reads after an acknowledged write were stale`,
    );
  }, 120_000);

  it('invalidation lag over 10,000 writes: every one reaches the other process (figures printed)', async () => {
    const { a, b, namespace } = await start();
    const count = 10_000;
    const { times } = await a.ask<{ times: Array<[string, string]> }>({
      op: 'writes',
      prefix: 'lag:',
      count,
    });
    const expected = new Set(Array.from({ length: count }, (_, i) => `${namespace}:lag:${i}`));
    let applied = new Map<string, bigint>();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const reply = await b.ask<{ applied: Array<[string, string]> }>({ op: 'applied' });
      applied = new Map(
        reply.applied.filter(([key]) => expected.has(key)).map(([key, at]) => [key, BigInt(at)]),
      );
      if (applied.size === count) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(applied.size).toBe(count);
    const fromStart: number[] = [];
    const fromAck: number[] = [];
    times.forEach(([started, acknowledged], i) => {
      const at = applied.get(`${namespace}:lag:${i}`)!;
      fromStart.push(Number(at - BigInt(started)) / 1e6);
      fromAck.push(Number(at - BigInt(acknowledged)) / 1e6);
    });
    const show = (values: number[]) => {
      const sorted = [...values].sort((x, y) => x - y);
      return `p50 ${quantile(sorted, 0.5).toFixed(3)} ms, p99 ${quantile(sorted, 0.99).toFixed(3)} ms, max ${sorted.at(-1)!.toFixed(3)} ms`;
    };
    console.log(
      `invalidation lag over ${count} writes (process.hrtime, same host):\n` +
        `  write started in A -> applied in B: ${show(fromStart)}\n` +
        `  write acknowledged in A -> applied in B: ${show(fromAck)} (negative: B had it before A's set resolved)`,
    );
  }, 180_000);
});
