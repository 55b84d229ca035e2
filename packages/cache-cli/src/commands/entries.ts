import { CacheError } from '@pywatt/cache-core';
import { type Command, formatMs, Outcome, parseDuration } from '../command.js';
import { remainingTtlMs } from '../inspect.js';
import { readAll } from '../terminal.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The value as text when it is valid UTF-8 without control characters other
 * than tab and newlines (so a value cannot drive the terminal), else as hex.
 */
export function showValue(bytes: Uint8Array): { text: string; hex: boolean } {
  try {
    const text = utf8.decode(bytes);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
    if (!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(text))
      return { text, hex: false };
  } catch {
    // not UTF-8: hex below
  }
  return { text: Buffer.from(bytes).toString('hex'), hex: true };
}

export const getCommand: Command = {
  name: 'get',
  summary: 'print the value of a key',
  help: `Usage: pywatt-cache get [URL] KEY [--raw]

Prints the value as text when it is valid UTF-8 (and holds no control
characters), otherwise as lowercase hex with a note on stderr.

  --raw    write the stored bytes unchanged, no newline (for piping)

Exit 1 when the key holds no value.`,
  options: { raw: { type: 'boolean' } },
  args: { min: 1, max: 1 },
  async run({ terminal, values, args, open }) {
    const key = args[0] as string;
    const cache = await open();
    const value = await cache.get(key);
    if (value === undefined) throw new Outcome(`no value for that key (a miss)`);
    if (values.raw === true) {
      terminal.outBytes(value);
      return;
    }
    const shown = showValue(value);
    terminal.out(shown.text);
    if (shown.hex)
      terminal.err(
        terminal.paint('dim', `(${value.byteLength} bytes, not text: shown as hex)`, true),
      );
  },
};

export const setCommand: Command = {
  name: 'set',
  summary: 'store a value',
  help: `Usage: pywatt-cache set [URL] KEY VALUE [--ttl 30s]

Stores VALUE (its UTF-8 bytes) under KEY. VALUE "-" reads the bytes from stdin.

  --ttl D    time to live: 500ms, 30s, 5m, 2h, 1d or inf (default: the cache's)`,
  options: { ttl: { type: 'string' } },
  args: { min: 2, max: 2 },
  async run({ terminal, values, args, open }) {
    const [key, text] = args as [string, string];
    const ttlMs = typeof values.ttl === 'string' ? parseDuration(values.ttl, '--ttl') : undefined;
    const value = text === '-' ? await readAll(terminal.io.stdin) : Buffer.from(text, 'utf8');
    const cache = await open();
    await cache.set(key, value, ttlMs === undefined ? {} : { ttlMs });
    terminal.out(
      `stored ${value.byteLength} bytes${ttlMs === undefined ? '' : ` for ${formatMs(ttlMs)}`}`,
    );
  },
};

export const delCommand: Command = {
  name: 'del',
  summary: 'remove keys',
  help: `Usage: pywatt-cache del [URL] KEY...

Removes the keys and prints how many held a value.`,
  options: {},
  args: { min: 1, max: Number.POSITIVE_INFINITY },
  async run({ terminal, args, open }) {
    const cache = await open();
    const removed = await cache.deleteMany(args);
    terminal.out(`removed ${removed} of ${new Set(args).size}`);
  },
};

export const ttlCommand: Command = {
  name: 'ttl',
  summary: "show a key's remaining time to live (Redis, file)",
  help: `Usage: pywatt-cache ttl [URL] KEY [--ms]

Prints the remaining time to live of KEY ("no expiry" when it has none).
Redis and file targets can tell; others answer UNSUPPORTED (exit 1).

  --ms    print whole milliseconds (or "inf") instead

Exit 1 when the key holds no value.`,
  options: { ms: { type: 'boolean' } },
  args: { min: 1, max: 1 },
  async run({ terminal, values, args, open }) {
    const cache = await open();
    const ms = await remainingTtlMs(cache, args[0] as string);
    if (ms === undefined)
      throw new CacheError(
        'UNSUPPORTED',
        `the ${cache.type} backend cannot tell a key's remaining TTL (redis and file can)`,
        { operation: 'ttl', backend: cache.type },
      );
    if (ms === null) throw new Outcome('no value for that key (a miss)');
    if (values.ms === true) terminal.out(Number.isFinite(ms) ? String(ms) : 'inf');
    else terminal.out(Number.isFinite(ms) ? `${formatMs(ms)} left` : 'no expiry');
  },
};
