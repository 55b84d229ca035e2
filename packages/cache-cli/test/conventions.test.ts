import { createCacheService } from '@pywatt/cache-all';
import { makeTempDir } from '@pywatt/test-servers/process';
import { type RedisServer, startRedis } from '@pywatt/test-servers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin, runBinOnTerminal } from './helpers/run-bin.js';

// The conventions of the field: --help everywhere, exit codes 0/1/2, NO_COLOR,
// a confirmation on a terminal, a progress bar on long clears.
const COMMANDS = ['stats', 'get', 'set', 'del', 'ttl', 'clear', 'bench', 'watch'];
const ESC = '\u001b[';
const dir = makeTempDir('cache-cli-conventions');
const fileUrl = `file://${dir.path}`;
let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  dir.remove();
});

describe('help and usage errors', () => {
  it('--help on every command prints its usage to stdout, exit 0', async () => {
    for (const name of COMMANDS) {
      const run = await runBin([name, '--help']);
      expect(run.code, name).toBe(0);
      expect(run.stdout, name).toMatch(new RegExp(`^Usage: pywatt-cache ${name} `));
      expect(run.stdout, name).toContain('Exit codes: 0 ok, 1 operational error');
    }
    const general = await runBin(['--help']);
    expect(general.code).toBe(0);
    for (const name of COMMANDS) expect(general.stdout).toMatch(new RegExp(`\\n  ${name} +\\S`));
    expect((await runBin(['help', 'clear'])).stdout).toMatch(/^Usage: pywatt-cache clear/);
  });

  it('a mistake in the command line is one line and a hint on stderr, exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /^pywatt-cache: no command given\n/],
      [['fetch', fileUrl], /^pywatt-cache: unknown command 'fetch'\n/],
      [['get', fileUrl, 'k', '--nope'], /^pywatt-cache get: Unknown option '--nope'/],
      [['get', fileUrl], /^pywatt-cache get: wrong number of arguments; Usage: pywatt-cache get/],
      [['get', 'k'], /^pywatt-cache get: give a URL or set PYWATT_CACHE_URL\n/],
      [['set', fileUrl, 'k', 'v', '--ttl', '30'], /--ttl takes a duration with a unit/],
      [['watch', fileUrl, '--count', '0'], /--count takes a whole number of at least 1/],
      [['stats', 'nosuch://host'], /^pywatt-cache stats: CONFIGURATION: cache URL: unknown scheme/],
    ];
    for (const [args, message] of cases) {
      const run = await runBin(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout, args.join(' ')).toBe('');
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.stderr.trim().split('\n').length, args.join(' ')).toBe(2);
    }
  });

  it('a malformed URL with a password is a usage error that does not print the password', async () => {
    const password = 'malformed-pass-73hd';
    const run = await runBin(['stats', `redis://:${password}@127.0.0.1:99999`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^pywatt-cache stats: CONFIGURATION: cache URL \(redis:\/\/…\): port 99999/,
    );
    expect(run.stderr).not.toContain(password);
  });
});

describe('colour', () => {
  it('off a terminal there is no colour; FORCE_COLOR turns it on; NO_COLOR always wins', async () => {
    await runBin(['set', fileUrl, 'c', 'v']);
    const plain = await runBin(['stats', fileUrl]);
    expect(plain.stdout).not.toContain(ESC);
    const forced = await runBin(['stats', fileUrl], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain(`${ESC}1m`);
    const both = await runBin(['stats', fileUrl], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(both.stdout).not.toContain(ESC);
    expect(both.stdout).toBe(plain.stdout);
  });

  it('on a terminal the output is coloured unless NO_COLOR is set', async () => {
    const coloured = await runBinOnTerminal(['get', fileUrl, 'missing']);
    expect(coloured.code).toBe(1);
    expect(coloured.stdout).toContain(`${ESC}31mpywatt-cache get: `);
    const plain = await runBinOnTerminal(['get', fileUrl, 'missing'], { env: { NO_COLOR: '1' } });
    expect(plain.code).toBe(1);
    expect(plain.stdout).not.toContain(ESC);
    expect(plain.stdout).toContain('pywatt-cache get: no value for that key (a miss)');
  });
});

describe('clear on a terminal', () => {
  it('asks first: anything but y removes nothing (exit 1), y removes', async () => {
    await runBin(['set', fileUrl, 'session:1', 'a']);
    const declined = await runBinOnTerminal(['clear', fileUrl, 'session'], { input: 'n\n' });
    expect(declined.code).toBe(1);
    expect(declined.stdout).toContain(
      `Remove 1 entry (entries under 'session:' of ${fileUrl})? [y/N]`,
    );
    expect(declined.stdout).toContain('not confirmed: nothing removed');
    expect((await runBin(['get', fileUrl, 'session:1'])).stdout).toBe('a\n');
    const accepted = await runBinOnTerminal(['clear', fileUrl, 'session'], { input: 'y\n' });
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('removed 1 entry');
    expect((await runBin(['get', fileUrl, 'session:1'])).code).toBe(1);
  });

  it('counts, confirms and shows a progress bar on a long Redis clear', async () => {
    const url = `redis://127.0.0.1:${redis.port}`;
    const cache = await createCacheService(url);
    await cache.setMany(
      Array.from({ length: 3000 }, (_, i) => [`bulk:${i}`, Buffer.from('x')] as const),
    );
    await cache.set('other', Buffer.from('kept'));
    await cache.close();
    const run = await runBinOnTerminal(['clear', url, 'bulk'], { input: 'yes\n' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Remove 3000 entries (entries under 'bulk:' of ${url})? [y/N]`);
    expect(run.stdout).toMatch(/clearing \[\S*#+\S*\]\s+\d+% \d+\/3000/);
    expect(run.stdout).toContain('100% 3000/3000');
    expect(run.stdout).toContain('removed 3000 entries');
    expect((await runBin(['clear', url, 'bulk', '--dry-run'])).stdout).toMatch(
      /^would remove 0 entries/,
    );
    expect((await runBin(['get', url, 'other'])).stdout).toBe('kept\n');
  });

  it('bench shows a progress bar on a terminal', async () => {
    const run = await runBinOnTerminal(['bench', `redis://127.0.0.1:${redis.port}`, '--ops', '50']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('100% 200/200');
    expect(run.stdout).toMatch(/get, 32 concurrent\s+\d+ ops\/s/);
  });
});
