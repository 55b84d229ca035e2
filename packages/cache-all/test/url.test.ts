import { resolve } from 'node:path';
import { CacheError } from '@pywatt/cache-core';
import { describe, expect, it } from 'vitest';
import { parseCacheUrl, redactCacheUrl } from '../src/index.js';

describe('parseCacheUrl', () => {
  it.each([
    ['memory://', { type: 'memory' }],
    [
      'memory://?maxItems=1000&policy=lfu&defaultTtlMs=Infinity&copyValues=false',
      {
        type: 'memory',
        maxItems: 1000,
        policy: 'lfu',
        defaultTtlMs: Number.POSITIVE_INFINITY,
        copyValues: false,
      },
    ],
    [
      'file:///var/cache/app?durable=true',
      { type: 'file', directory: '/var/cache/app', durable: true },
    ],
    ['file:///var/cache/with%20space', { type: 'file', directory: '/var/cache/with space' }],
    ['redis://localhost', { type: 'redis', hosts: ['localhost'], port: 6379 }],
    [
      'redis://user:p%40ss@10.0.0.5:6380/2?namespace=app',
      {
        type: 'redis',
        hosts: ['10.0.0.5'],
        port: 6380,
        username: 'user',
        password: 'p@ss',
        database: 2,
        namespace: 'app',
      },
    ],
    ['redis://:secret@host', { type: 'redis', hosts: ['host'], port: 6379, password: 'secret' }],
    ['rediss://host:6390', { type: 'redis', hosts: ['host'], port: 6390, tls: true }],
    [
      'redis+cluster://h1:7000,h2:7001,h3',
      { type: 'redis', cluster: { nodes: ['h1:7000', 'h2:7001', 'h3:6379'] } },
    ],
    [
      'redis+sentinel://s1:26379,s2/mymaster/3?operationTimeoutMs=500',
      {
        type: 'redis',
        sentinel: { sentinels: ['s1:26379', 's2:26379'], name: 'mymaster' },
        database: 3,
        operationTimeoutMs: 500,
      },
    ],
    ['memcached://h1:11211,h2', { type: 'memcached', servers: ['h1:11211', 'h2:11211'] }],
    [
      'memcached://u:pw@h1',
      { type: 'memcached', servers: ['h1:11211'], username: 'u', password: 'pw' },
    ],
    [
      'proxy+unix:///run/cache.sock?token=t0k',
      { type: 'proxy', transport: { socketPath: '/run/cache.sock' }, token: 't0k' },
    ],
    [
      'proxy+tcp://127.0.0.1:7070?namespace=mod',
      { type: 'proxy', transport: { host: '127.0.0.1', port: 7070 }, namespace: 'mod' },
    ],
    ['proxy+ipc://', { type: 'proxy', transport: 'ipc' }],
  ])('reads %s', (url, expected) => {
    expect(parseCacheUrl(url)).toEqual(expected);
  });

  it('resolves file: relative paths against the working directory', () => {
    expect(parseCacheUrl('file:./cache-dir?maxItems=5')).toEqual({
      type: 'file',
      directory: resolve('cache-dir'),
      maxItems: 5,
    });
  });

  it.each([
    ['nosuch://x', /unknown scheme 'nosuch'/],
    ['memory://?maxItem=5', /unknown parameter 'maxItem'/],
    ['memory://?maxItems=many', /'maxItems' must be a number/],
    ['memory://?copyValues=yes', /'copyValues' must be true or false/],
    ['memory://?maxItems=1&maxItems=2', /given twice/],
    ['redis://h1,h2', /takes one host/],
    ['redis://host/notanumber', /database number/],
    ['redis://host:99999', /out of range/],
    ['redis+sentinel://s1', /master name/],
    ['memcached://', /at least one server/],
    ['proxy+tcp://host', /needs a port/],
    ['not a url', /expected scheme/],
    ['', /non-empty string/],
  ])('rejects %s with CONFIGURATION', (url, message) => {
    let caught: unknown;
    try {
      parseCacheUrl(url);
    } catch (error) {
      caught = error;
    }
    expect(CacheError.is(caught, 'CONFIGURATION')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });

  it('never puts the password in an error message', () => {
    let caught: unknown;
    try {
      parseCacheUrl('redis://user:hunter2@host:6379/x?namespace=app');
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).not.toContain('hunter2');
    expect((caught as Error).message).toContain('redis://…');
  });
});

describe('redactCacheUrl', () => {
  it('hides passwords and proxy tokens', () => {
    expect(redactCacheUrl('redis://u:pw@h:1/0')).toBe('redis://u:***@h:1/0');
    expect(redactCacheUrl('redis://:pw@h')).toBe('redis://:***@h');
    expect(redactCacheUrl('proxy+tcp://h:1?namespace=a&token=abc')).toBe(
      'proxy+tcp://h:1?namespace=a&token=***',
    );
    expect(redactCacheUrl('memory://')).toBe('memory://');
    expect(redactCacheUrl('redis://:Zq9Se/cretPw@127.0.0.1:1')).toBe('redis://:***@127.0.0.1:1');
    expect(redactCacheUrl('proxy+tcp://h:1?token=A&%74oken=B')).toBe(
      'proxy+tcp://h:1?token=***&%74oken=***',
    );
  });
});
