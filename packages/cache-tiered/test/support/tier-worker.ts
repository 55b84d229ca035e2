// One process of the two-process tests: a tiered cache over Redis with the pub/sub bus,
// driven by JSON lines on stdin, answering JSON lines on stdout.
import { createInterface } from 'node:readline';
import { createRedisCache } from '@pywatt/cache-redis';
import { createRedisBus, createTieredCache, type InvalidationBus } from '../../src/index.js';

const [url, namespace] = process.argv.slice(2) as [string, string];
// [full key, process.hrtime.bigint() when this process applied its invalidation]
const applied: Array<[string, string]> = [];
const bus = createRedisBus({ url });
// The public bus interface lets us see each invalidation as the tier applies it.
const recording: InvalidationBus = {
  kind: bus.kind,
  join: (listener, fullPrefix) =>
    bus.join(
      {
        invalidate(message) {
          listener.invalidate(message);
          if (message.kind !== 'keys') return;
          const at = process.hrtime.bigint().toString();
          for (const key of message.keys) applied.push([key, at]);
        },
        down: () => listener.down(),
        up: () => listener.up(),
      },
      fullPrefix,
    ),
};
const l2 = await createRedisCache({ url, namespace });
const cache = await createTieredCache({ l2, namespace, bus: recording, l1: { ttlMs: 600_000 } });

type Command =
  | { op: 'set'; key: string; value: string }
  | { op: 'get'; key: string }
  | { op: 'writes'; prefix: string; count: number }
  | { op: 'applied' }
  | { op: 'close' };

async function handle(command: Command): Promise<unknown> {
  switch (command.op) {
    case 'set':
      await cache.setString(command.key, command.value);
      return { ok: true };
    case 'get':
      return { value: (await cache.getString(command.key)) ?? null };
    case 'writes': {
      const times: Array<[string, string]> = [];
      for (let i = 0; i < command.count; i++) {
        const start = process.hrtime.bigint();
        await cache.setString(`${command.prefix}${i}`, 'x');
        times.push([start.toString(), process.hrtime.bigint().toString()]);
      }
      return { times };
    }
    case 'applied':
      return { applied };
    case 'close':
      await cache.close();
      return { ok: true };
  }
}

let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command;
  // setImmediate: a bus message that reached this process's socket before the command
  // (Redis delivers it before acknowledging the publish) is applied before the command runs.
  queue = queue.then(
    () =>
      new Promise<void>((resolve) => {
        setImmediate(() => {
          handle(command)
            .then(
              (reply) => process.stdout.write(`${JSON.stringify(reply)}\n`),
              (error: unknown) =>
                process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`),
            )
            .finally(resolve);
        });
      }),
  );
  if (command.op === 'close') void queue.then(() => process.stdin.destroy());
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
