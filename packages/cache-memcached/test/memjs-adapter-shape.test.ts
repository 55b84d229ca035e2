import { createRequire } from 'node:module';
import memjs from 'memjs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MEMJS_SERVER_METHODS, MemjsLink } from '../src/memjs-adapter.js';
import { EMPTY, encodeRequest, Op, type RawResponse } from '../src/protocol.js';

// memjs is a caret range: a minor or patch release may change what memjs-adapter.ts relies on
// beyond memjs's documented Client API. These checks pin that shape against the installed copy.
const version = (createRequire(import.meta.url)('memjs/package.json') as { version: string })
  .version;
const links: MemjsLink[] = [];
afterAll(() => {
  for (const link of links) link.fail(new Error('test over'));
});

describe(`the memjs internals memjs-adapter.ts uses (memjs ${version})`, () => {
  it('memjs.Server has every method the adapter calls', () => {
    for (const method of MEMJS_SERVER_METHODS)
      expect(
        typeof (memjs.Server.prototype as unknown as Record<string, unknown>)[method],
        method,
      ).toBe('function');
  });

  it('a Server keeps the fields the adapter reads and writes, and takes no credentials from the environment', () => {
    process.env.MEMCACHIER_USERNAME = 'from-env';
    try {
      const server = new memjs.Server('127.0.0.1', 1) as unknown as Record<string, unknown>;
      for (const field of [
        'responseCallbacks',
        'errorCallbacks',
        'connected',
        'username',
        'password',
      ])
        expect(field in server, field).toBe(true);
      expect(server.username, 'memjs still falls back to the environment').toBe('from-env');
      expect(typeof server.responseCallbacks).toBe('object');
    } finally {
      delete process.env.MEMCACHIER_USERNAME;
    }
  });

  it('a quiet callback stays registered for answers with a body, and the batch ends with the NOOP', async () => {
    const [host, port] = inject('single').split(':') as [string, string];
    const link = new MemjsLink(host, Number(port), {
      username: undefined,
      password: undefined,
      timeoutMs: 10_000,
    });
    links.push(link);
    const key = Buffer.from(`shape-${process.pid}-${Date.now()}`);
    // Two quiet failures (DELETEQ of a missing key answers NOT_FOUND, with a body) on one opaque.
    const answers: RawResponse[] = [];
    const done = new Promise<RawResponse>((resolve, reject) => {
      const blob = Buffer.concat([
        encodeRequest(Op.DELETEQ, key, EMPTY, EMPTY, 7),
        encodeRequest(Op.DELETEQ, key, EMPTY, EMPTY, 7),
        encodeRequest(Op.NOOP, EMPTY, EMPTY, EMPTY, 8),
      ]);
      link.send(blob, 8, resolve, reject, undefined, 7, (r) => answers.push(r));
    });
    expect((await done).header.opcode).toBe(Op.NOOP);
    expect(answers.map((a) => a.header.status)).toEqual([0x01, 0x01]);
    expect(link.session).toBe(1);
    expect(link.connected).toBe(true);
    link.release(7);
  });
});
