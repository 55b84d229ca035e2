import { describe, expect, it } from 'vitest';
import { HashRing } from '../src/index.js';

const KEYS = Array.from({ length: 50_000 }, (_, i) => `app:user:${i}:profile`);
const servers = (n: number) => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}:11211`);

describe('the consistent-hash ring', () => {
  for (const n of [1, 2, 3, 5, 9]) {
    it(`moves about 1/${n + 1} of the keys, all to the new server, when a server joins ${n}`, () => {
      const before = new HashRing(servers(n));
      const after = new HashRing(servers(n + 1));
      let moved = 0;
      for (const key of KEYS) {
        const was = before.nodeFor(key);
        const now = after.nodeFor(key);
        if (was !== now) {
          moved++;
          expect(now, 'a moved key goes to the new server only').toBe(n);
        }
      }
      const fraction = moved / KEYS.length;
      // Ideal is 1/(n+1); 160 virtual nodes per server keep it within ±40 %.
      expect(fraction).toBeGreaterThan(0.6 / (n + 1));
      expect(fraction).toBeLessThan(1.4 / (n + 1));
      // memjs's own `hash % n` would move about n/(n+1) of them instead.
    });
  }

  it('spreads keys evenly enough and does not depend on the order servers are listed', () => {
    const list = servers(4);
    const ring = new HashRing(list);
    const reversed = new HashRing([...list].reverse());
    const counts = [0, 0, 0, 0];
    for (const key of KEYS) {
      const owner = ring.nodeFor(key);
      counts[owner] = (counts[owner] as number) + 1;
      expect(list[owner]).toBe([...list].reverse()[reversed.nodeFor(key)]);
    }
    for (const count of counts) expect(count / KEYS.length).toBeGreaterThan(0.15);
  });
});
