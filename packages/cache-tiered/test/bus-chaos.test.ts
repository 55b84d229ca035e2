import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type RedisServer, startRedis } from '@pywatt/test-servers/redis';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freshNamespace, sleep } from './support/helpers.js';

const worker = fileURLToPath(new URL('./support/chaos-worker.ts', import.meta.url));
const OPS = 20_000;
/**
 * The staleness bound asserted: a read that starts this long after a write was
 * acknowledged never returns an older value. Generous for a loaded 2-core machine
 * (an event-loop stall of one process counts in it); the figure printed is the
 * largest staleness actually seen.
 */
const LAG_BOUND_MS = 1_000;

type Ack = [number, number, string];
type Read = [number, number | null, string];
interface Report {
  acks: Ack[];
  reads: Read[];
  failed: number;
  busDowns: number;
}

interface Worker {
  go(): void;
  readonly done: Promise<Report>;
  kill(): void;
}

/** A chaos worker; resolves once its tiered cache has joined the bus. */
function startWorker(url: string, namespace: string, role: string, seed: number): Promise<Worker> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', worker, url, namespace, role, String(OPS), String(seed)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => lines.push(resolve));
  const ready = nextLine();
  const done = nextLine().then((line) => JSON.parse(line) as Report);
  return ready.then(() => ({
    go: () => child.stdin!.write('go\n'),
    done,
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  }));
}

/**
 * For every read of a key the writer wrote: how long after the acknowledgement of
 * a newer write (or delete) it started, when it returned an older value. Empty
 * when no read was stale at all.
 */
function staleReads(acks: Ack[], reads: Read[]): number[] {
  const byKey = new Map<number, Array<{ seq: number; atNs: bigint }>>();
  for (const [key, seq, at] of acks) {
    const list = byKey.get(key) ?? [];
    list.push({ seq, atNs: BigInt(at) });
    byKey.set(key, list);
  }
  const lateness: number[] = [];
  for (const [key, seq, at] of reads) {
    if (seq === null) continue;
    const startedNs = BigInt(at);
    // Acks of one key come in seq order (the writer runs one operation at a time):
    // the first acknowledged write newer than what was read says since when it was stale.
    const newer = byKey.get(key)?.find((ack) => ack.seq > seq && ack.atNs <= startedNs);
    if (newer !== undefined) lateness.push(Number(startedNs - newer.atNs) / 1e6);
  }
  return lateness;
}

describe('bus chaos: two processes, the bus connection killed and Redis restarted', () => {
  let redis: RedisServer | undefined;
  let admin: Redis | undefined;
  let workers: Worker[] = [];
  afterEach(async () => {
    for (const w of workers) w.kill();
    workers = [];
    admin?.disconnect();
    await redis?.stop();
    redis = undefined;
  });

  it(`after each acknowledged write, no read starting ${LAG_BOUND_MS} ms later returns an older value (2 × ${OPS} operations)`, async () => {
    redis = await startRedis();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    admin.on('error', () => undefined);
    const namespace = freshNamespace();
    workers = await Promise.all([
      startWorker(redis.url, namespace, 'writer', 1),
      startWorker(redis.url, namespace, 'reader', 2),
    ]);
    const [writer, reader] = workers as [Worker, Worker];
    writer.go();
    reader.go();
    let finished = false;
    const both = Promise.all([writer.done, reader.done]).finally(() => {
      finished = true;
    });

    let kills = 0;
    let restarts = 0;
    for (let round = 1; !finished; round++) {
      await sleep(150 + ((round * 37) % 200));
      if (finished) break;
      if (round % 5 === 2 && restarts < 3) {
        await redis.restart();
        restarts++;
      } else {
        await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub').then(
          () => kills++,
          () => undefined, // Redis restarting: the next round kills again
        );
      }
    }
    const [fromWriter, fromReader] = await both;

    const lateness = staleReads(fromWriter.acks, [...fromReader.reads, ...fromWriter.reads]);
    const worstMs = lateness.length === 0 ? 0 : Math.max(...lateness);
    console.log(
      `bus chaos: ${kills} pubsub kills, ${restarts} restarts; writer ${fromWriter.acks.length} acks, ` +
        `${fromWriter.failed} failed ops, ${fromWriter.busDowns} bus downs; reader ${fromReader.reads.length} reads, ` +
        `${fromReader.failed} failed ops, ${fromReader.busDowns} bus downs; ` +
        `${lateness.length} reads older than an acknowledged write, the latest starting ${worstMs.toFixed(1)} ms after it`,
    );
    expect(kills, 'the bus was killed while they ran').toBeGreaterThan(0);
    expect(fromReader.busDowns, 'the reader saw its bus go down').toBeGreaterThan(0);
    expect(fromWriter.acks.length, 'the writer kept writing').toBeGreaterThan(OPS / 4);
    expect(fromReader.reads.length, 'the reader kept reading').toBeGreaterThan(OPS / 2);
    expect(lateness.filter((ms) => ms > LAG_BOUND_MS)).toEqual([]);
  }, 300_000);
});
