// One process of the bus chaos test: a tiered cache over Redis with the pub/sub bus runs
// `count` mixed operations as soon as it reads "go" on stdin, then prints one JSON line:
// what it acknowledged and what it read, timed with process.hrtime (one clock per host).
import { createInterface } from 'node:readline';
import { createRedisCache } from '@pywatt/cache-redis';
import { createRedisBus, createTieredCache } from '../../src/index.js';

const [url, namespace, role, countText, seedText] = process.argv.slice(2) as [
  string,
  string,
  'writer' | 'reader',
  string,
  string,
];
const count = Number(countText);
const KEYS = 64;

/** [key, value (seq) or null, hrtime ns when the read started]. */
type Read = [number, number | null, string];
/** [key, seq, hrtime ns when the write or delete resolved]. A delete's seq stands for "gone". */
type Ack = [number, number, string];

const l2 = await createRedisCache({ url, namespace, operationTimeoutMs: 1_000 });
const cache = await createTieredCache({
  l2,
  l1: { maxItems: 1_000, ttlMs: 600_000 },
  bus: createRedisBus({ url, connectTimeoutMs: 60_000 }),
});

let state = Number(seedText) >>> 0;
/** mulberry32: the same operations on every run with the same seed. */
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = () => Math.floor(random() * KEYS);
const now = () => process.hrtime.bigint().toString();
const seqOf = (value: string | undefined) => (value === undefined ? null : Number(value));
// Real servers yield between requests; an L1 hit resolves in microtasks and would
// otherwise keep bus messages waiting in the poll phase for the whole run.
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

const reads: Read[] = [];
const acks: Ack[] = [];
let failed = 0;
let seq = 0;
let busDowns = 0;
cache.on('busDisconnected', () => {
  busDowns++;
});

async function read(key: number): Promise<void> {
  const startedAt = now();
  reads.push([key, seqOf(await cache.getString(`c:${key}`)), startedAt]);
}

async function readMany(): Promise<void> {
  const keys = Array.from({ length: 4 }, pick);
  const startedAt = now();
  const found = await cache.getMany(keys.map((k) => `c:${k}`));
  for (const key of new Set(keys)) {
    const value = found.get(`c:${key}`);
    reads.push([key, value === undefined ? null : Number(Buffer.from(value)), startedAt]);
  }
}

async function writerOp(): Promise<void> {
  const dice = random();
  const key = pick();
  if (dice < 0.6) {
    const mine = ++seq;
    await cache.setString(`c:${key}`, String(mine));
    acks.push([key, mine, now()]);
  } else if (dice < 0.7) {
    const mine = ++seq;
    await cache.delete(`c:${key}`);
    acks.push([key, mine, now()]);
  } else if (dice < 0.8) {
    await readMany();
  } else {
    await read(key);
  }
}

async function readerOp(): Promise<void> {
  const dice = random();
  if (dice < 0.65) await read(pick());
  else if (dice < 0.85) await readMany();
  else if (dice < 0.9) await cache.exists(`c:${pick()}`);
  // Writes of its own, on keys the writer never touches.
  else await cache.setString(`r:${pick()}`, String(dice));
}

async function run(): Promise<void> {
  const op = role === 'writer' ? writerOp : readerOp;
  for (let i = 0; i < count; i++) {
    try {
      await op();
    } catch {
      // Redis is down or restarting: this operation acknowledged nothing.
      failed++;
    }
    await yieldToIo();
  }
  process.stdout.write(`${JSON.stringify({ acks, reads, failed, busDowns })}\n`);
  await cache.close();
}

createInterface({ input: process.stdin }).once('line', () => {
  void run().then(() => process.stdin.destroy());
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
