import { describe, expect, it } from 'vitest';
import { createCache } from '../src/index.js';
import { runCacheConformance } from '../src/testing/index.js';
import { BrokenStore } from './reference-cache.js';

interface Collected {
  name: string;
  body: () => Promise<void>;
}

/** Registers the suite into plain arrays instead of vitest, so each case can be run and its failure observed. */
function collectSuite(): { cases: Collected[]; cleanups: Array<() => Promise<void>> } {
  const cases: Collected[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const path: string[] = [];
  runCacheConformance(
    {
      describe: (name, body) => {
        path.push(name);
        body();
        path.pop();
      },
      it: (name, body) => cases.push({ name: [...path, name].join(' > '), body }),
      expect,
      afterEach: async (body) => {
        cleanups.push(body);
      },
    },
    { name: 'broken cache', create: async (options) => createCache(new BrokenStore(), options) },
  );
  return { cases, cleanups };
}

async function outcome(name: string): Promise<'passed' | 'failed'> {
  const { cases, cleanups } = collectSuite();
  const found = cases.find((c) => c.name.includes(name));
  if (found === undefined) throw new Error(`no conformance case named like "${name}"`);
  try {
    await found.body();
    return 'passed';
  } catch {
    return 'failed';
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

describe('the conformance suite catches a broken backend', () => {
  it('fails a non-atomic increment', async () => {
    expect(await outcome('increment loses no update')).toBe('failed');
  });

  it('fails an unlock that ignores the token', async () => {
    expect(await outcome("only the holder's token unlocks")).toBe('failed');
  });

  it('still passes the cases the broken backend gets right (the failures are specific)', async () => {
    expect(await outcome('setIfAbsent stores exactly once')).toBe('passed');
    expect(await outcome('round-trips empty, binary and large values')).toBe('passed');
  });
});
