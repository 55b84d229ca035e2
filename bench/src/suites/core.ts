import { jsonCodec } from '@pywatt/cache-core';
import { compare } from '../harness.js';

/** What the prototype-safe JSON codec costs over bare JSON.parse/stringify on a typical payload. */
export default async function run(): Promise<void> {
  const payload = {
    id: 12345,
    name: 'a user name',
    tags: ['x', 'y', 'z'],
    nested: { a: 1, b: [1, 2, 3], c: 'text' },
  };
  const n = 100_000;
  await compare(
    'jsonCodec round trip vs bare JSON (100k)',
    [
      {
        name: 'JSON.stringify+parse',
        round: async () => {
          for (let i = 0; i < n; i++)
            JSON.parse(Buffer.from(JSON.stringify(payload)).toString('utf8'));
        },
      },
      {
        name: 'jsonCodec',
        round: async () => {
          for (let i = 0; i < n; i++) jsonCodec.decode(jsonCodec.encode(payload));
        },
      },
    ],
    { baseline: 'JSON.stringify+parse', opsPerRound: n, rounds: 5 },
  );
}
