import { Command, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Dispatcher } from '../src/dispatch.js';

// ioredis is a caret range: these are the parts of its API the Dispatcher relies on
// (src/dispatch.ts). All are public in ioredis's own type declarations; this pins their
// behaviour against whatever version is installed.
describe('the ioredis API the dispatcher uses', () => {
  let client: Redis;
  beforeAll(async () => {
    client = new Redis(inject('redisUrl'), { lazyConnect: true, enableAutoPipelining: false });
    await client.connect();
  });
  afterAll(() => client.disconnect());

  it('sendCommand(new Command) resolves the command promise with Buffers or strings and marks it settled', async () => {
    await client.set('api:k', 'v');
    const asBuffer = new Command('get', ['api:k'], { replyEncoding: null });
    const asText = new Command('get', ['api:k'], { replyEncoding: 'utf8' });
    expect(asBuffer.isSettled).toBe(false);
    client.sendCommand(asBuffer);
    client.sendCommand(asText);
    expect(await asBuffer.promise).toEqual(Buffer.from('v'));
    expect(await asText.promise).toBe('v');
    expect(asBuffer.isSettled).toBe(true);
  });

  it('Command.reject settles the command at once, and a reply arriving later changes nothing', async () => {
    const command = new Command('get', ['api:k'], { replyEncoding: 'utf8' });
    const outcome = command.promise.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    client.sendCommand(command);
    command.reject(new Error('Command timed out'));
    expect(command.isSettled).toBe(true);
    expect(await outcome).toBe('Command timed out');
    // The reply still comes and is consumed in order: the connection stays usable.
    expect(await client.get('api:k')).toBe('v');
  });

  it('a connected client exposes a corkable socket with its remote address', () => {
    const stream = client.stream;
    expect(typeof stream.cork).toBe('function');
    expect(typeof stream.uncork).toBe('function');
    expect(`redis://${stream.remoteAddress}:${stream.remotePort}`).toBe(inject('redisUrl'));
  });

  it('the dispatcher: commands of one tick answer in order, and held commands wait for release', async () => {
    const dispatcher = new Dispatcher(client, 1_000);
    try {
      const sets = Array.from({ length: 200 }, (_, i) =>
        dispatcher.send('set', [`api:${i}`, String(i)], 'utf8'),
      );
      const gets = Array.from({ length: 200 }, (_, i) =>
        dispatcher.send<string>('get', [`api:${i}`], 'utf8'),
      );
      await Promise.all(sets);
      expect(await Promise.all(gets)).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));

      dispatcher.hold();
      let answered = false;
      const held = dispatcher.send<string>('get', ['api:7'], 'utf8').then((value) => {
        answered = true;
        return value;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(answered).toBe(false);
      dispatcher.release();
      expect(await held).toBe('7');
    } finally {
      dispatcher.stop();
    }
  });
});
