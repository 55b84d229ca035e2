import { freePort } from '@pywatt/test-servers/process';
import { type RedisServer, startRedis } from '@pywatt/test-servers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingRunner } from './helpers/run-bin.js';

// Every command against a real password-protected redis-server, through the built bin.
const PASSWORD = 'redis-pass-Zq81xw';
let redis: RedisServer;
let url: string;
// Every run is kept: the last test looks for the secret in all of them.
const { cli, outputs } = recordingRunner();

beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD });
  url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}?namespace=cli`;
});
afterAll(async () => {
  await redis?.stop();
});

describe('pywatt-cache against Redis', () => {
  it('set, get, ttl and del a text value', async () => {
    const set = await cli(['set', url, 'user:1', 'Ada Lovelace', '--ttl', '90s']);
    expect(set).toMatchObject({ code: 0, stdout: 'stored 12 bytes for 90.0s\n' });
    const get = await cli(['get', url, 'user:1']);
    expect(get).toMatchObject({ code: 0, stdout: 'Ada Lovelace\n', stderr: '' });
    const ttl = await cli(['ttl', url, 'user:1', '--ms']);
    expect(ttl.code).toBe(0);
    const ms = Number(ttl.stdout.trim());
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThanOrEqual(90_000);
    expect((await cli(['ttl', url, 'user:1'])).stdout).toMatch(/^\d+\.\d+s left\n$/);
    const del = await cli(['del', url, 'user:1', 'user:2']);
    expect(del).toMatchObject({ code: 0, stdout: 'removed 1 of 2\n' });
    const miss = await cli(['get', url, 'user:1']);
    expect(miss).toMatchObject({ code: 1, stdout: '' });
    expect(miss.stderr).toBe('pywatt-cache get: no value for that key (a miss)\n');
    expect((await cli(['ttl', url, 'user:1'])).code).toBe(1);
  });

  it('a key without expiry says so', async () => {
    expect((await cli(['set', url, 'forever', 'x', '--ttl', 'inf'])).code).toBe(0);
    expect((await cli(['ttl', url, 'forever'])).stdout).toBe('no expiry\n');
    expect((await cli(['ttl', url, 'forever', '--ms'])).stdout).toBe('inf\n');
  });

  it('binary values print as hex, --raw writes the bytes, "-" reads them from stdin', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 10]);
    expect((await cli(['set', url, 'blob', '-'], { input: bytes })).stdout).toBe(
      'stored 6 bytes\n',
    );
    const hex = await cli(['get', url, 'blob']);
    expect(hex.stdout).toBe('000102fffe0a\n');
    expect(hex.stderr).toContain('6 bytes, not text: shown as hex');
    const raw = await cli(['get', url, 'blob', '--raw']);
    expect(raw.code).toBe(0);
    expect(raw.stdoutBytes.equals(bytes)).toBe(true);
    // Text holding an escape sequence could drive the terminal: shown as hex too.
    await cli(['set', url, 'esc', '\u001b[2Jboom']);
    expect((await cli(['get', url, 'esc'])).stdout).toBe('1b5b324a626f6f6d\n');
  });

  it('stats prints a table with the masked URL, or the stats object with --json', async () => {
    const table = await cli(['stats', url]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`redis://:***@127.0.0.1:${redis.port}?namespace=cli (redis)`);
    expect(table.stdout).toMatch(/hit ratio\s+\d+\.\d%/);
    expect(table.stdout).toMatch(/redis_version\s+\d/);
    const json = await cli(['stats', url, '--json']);
    const stats = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(stats.type).toBe('redis');
    expect((stats.backend as Record<string, unknown>).keyspace_hits).toBeGreaterThan(0);
  });

  it('clear counts, --dry-run removes nothing, refuses without --yes off a terminal, then clears a prefix', async () => {
    for (let i = 0; i < 7; i++) await cli(['set', url, `orders:${i}`, String(i)]);
    await cli(['set', url, 'users:1', 'kept']);
    const dry = await cli(['clear', url, 'orders', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      `would remove 7 entries (entries under 'orders:' of redis://:***@127.0.0.1:${redis.port}?namespace=cli)\n`,
    );
    expect((await cli(['get', url, 'orders:3'])).stdout).toBe('3\n');

    const refused = await cli(['clear', url, 'orders']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes to confirm (stdin is not a terminal');
    expect((await cli(['get', url, 'orders:3'])).stdout).toBe('3\n');

    const cleared = await cli(['clear', url, 'orders', '--yes']);
    expect(cleared).toMatchObject({ code: 0, stdout: 'removed 7 entries\n' });
    expect((await cli(['get', url, 'orders:3'])).code).toBe(1);
    expect((await cli(['get', url, 'users:1'])).stdout).toBe('kept\n');
  });

  it('clear without a prefix stays inside the namespace', async () => {
    const other = url.replace('namespace=cli', 'namespace=other');
    await cli(['set', other, 'k', 'theirs']);
    await cli(['set', url, 'k', 'ours']);
    const dry = await cli(['clear', url, '--dry-run']);
    const count = Number(/would remove (\d+)/.exec(dry.stdout)?.[1]);
    expect(count).toBeGreaterThan(0);
    const cleared = await cli(['clear', url, '-y']);
    expect(cleared.stdout).toBe(`removed ${count} ${count === 1 ? 'entry' : 'entries'}\n`);
    expect((await cli(['clear', url, '--dry-run'])).stdout).toMatch(/^would remove 0 entries/);
    expect((await cli(['get', other, 'k'])).stdout).toBe('theirs\n');
  });

  it('the URL comes from PYWATT_CACHE_URL when the command line gives none', async () => {
    const env = { PYWATT_CACHE_URL: url };
    expect((await cli(['set', 'from-env', 'yes'], { env })).code).toBe(0);
    expect((await cli(['get', 'from-env'], { env })).stdout).toBe('yes\n');
    expect((await cli(['get', url, 'from-env'])).stdout).toBe('yes\n');
  });

  it('bench reports four phases with p50 and p99, and removes its keys', async () => {
    const before = JSON.parse((await cli(['stats', url, '--json'])).stdout);
    const run = await cli(['bench', url, '--ops', '60', '--concurrency', '4', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { results: Array<Record<string, unknown>> };
    expect(report.results.map((r) => r.phase)).toEqual([
      'set, sequential',
      'get, sequential',
      'set, 4 concurrent',
      'get, 4 concurrent',
    ]);
    for (const r of report.results) {
      expect(r.operations).toBe(60);
      expect(r.opsPerSecond).toBeGreaterThan(0);
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms as number);
    }
    const after = JSON.parse((await cli(['stats', url, '--json'])).stdout);
    expect(after.backend.db0_keys).toBe(before.backend.db0_keys);
    const table = await cli(['bench', url, '--ops', '20']);
    expect(table.stdout).toMatch(/get, 32 concurrent\s+\d+ ops\/s\s+p50 \S+\s+p99 \S+/);
  });

  it('watch refreshes --count times and reports the server-wide hit ratio and ops/s', async () => {
    const run = await cli(['watch', url, '--interval', '100ms', '--count', '3', '--json']);
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0].opsPerSecond).toBeNull();
    // Each refresh runs INFO, so the server's command count grows between refreshes.
    expect(lines[2].opsPerSecond).toBeGreaterThan(0);
    expect(lines[2].hits).toBeGreaterThan(0);
    const text = await cli(['watch', url, '--interval', '50ms', '--count', '2']);
    expect(text.stdout.trim().split('\n')).toHaveLength(2);
    expect(text.stdout).toMatch(/hit ratio \d+\.\d%\s+ops\/s \d+\s+memory \d/);
  });

  it('a wrong password or an unreachable host is one line naming the code, exit 1, password unprinted', async () => {
    const wrong = await cli(['get', `redis://:wrong-${PASSWORD}@127.0.0.1:${redis.port}`, 'k']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^pywatt-cache get: UNAUTHORIZED: [^\n]+\n$/);
    const port = await freePort();
    const down = await cli([
      'stats',
      `redis://:${PASSWORD}@127.0.0.1:${port}?connectTimeoutMs=2000`,
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^pywatt-cache stats: CONNECTION: [^\n]+\n$/);
  });

  it('never printed the password in any run above', () => {
    expect(outputs.length).toBeGreaterThan(30);
    for (const { stdout, stderr } of outputs) {
      expect(stdout).not.toContain(PASSWORD);
      expect(stderr).not.toContain(PASSWORD);
    }
  });
});
