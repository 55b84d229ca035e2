import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/hold-open-cache.ts', import.meta.url));

/** Runs the fixture; kills it (exit code null) if it has not exited by itself after 20 s. */
function run(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', (error) => {
      clearTimeout(guard);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('a process holding a cache', () => {
  it('exits by itself once the cache is closed, with no timer left', async () => {
    const result = await run('close');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('done timers=0');
  });

  it('is not kept alive even by an open cache: the sweep timer is unref()ed', async () => {
    const result = await run('leave-open');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('done');
  });
});
