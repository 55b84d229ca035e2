import type { ParseArgsConfig } from 'node:util';
import type { StoreCache } from '@pywatt/cache-core';
import type { Terminal } from './terminal.js';

/** A mistake in the command line itself: printed with a hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command that ran but found nothing to report as success (a miss, a declined prompt): exit 1, no error code. */
export class Outcome extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Outcome';
  }
}

/** What a command is given to run. */
export interface CommandContext {
  readonly terminal: Terminal;
  /** The parsed `--options`. */
  readonly values: Record<string, string | boolean | undefined>;
  /** The positionals after the URL. */
  readonly args: readonly string[];
  /** The URL with its password and secret parameters masked: safe to print. */
  readonly shownUrl: string;
  /** Connects to the cache (once); the runner closes it. */
  open(): Promise<StoreCache>;
}

/** One `pywatt-cache <name>` command. */
export interface Command {
  readonly name: string;
  /** One line for the general help. */
  readonly summary: string;
  /** The command's `--help` text, without the options every command has. */
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** How many positionals may follow the URL. */
  readonly args: { readonly min: number; readonly max: number };
  run(context: CommandContext): Promise<void>;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration written with its unit (`500ms`, `30s`, `5m`, `2h`, `1d`) in
 * milliseconds, or Infinity for `inf`. A bare number is refused: seconds or
 * milliseconds would be a guess.
 */
export function parseDuration(text: string, flag: string): number {
  if (text === 'inf') return Number.POSITIVE_INFINITY;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (match === null)
    throw new UsageError(`${flag} takes a duration with a unit, e.g. 500ms, 30s, 5m, 2h or inf`);
  const ms = Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number));
  if (ms < 1) throw new UsageError(`${flag} must be at least 1ms`);
  return ms;
}

/** A whole number option `>= min`, or `fallback` when not given. */
export function parseCount(
  value: string | boolean | undefined,
  flag: string,
  fallback: number,
  min = 1,
): number {
  if (value === undefined || typeof value === 'boolean') return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${flag} takes a whole number of at least ${min}`);
  return n;
}

/** `1234.5` → `1.23s`, `0.42` → `0.420ms`, `3600000` → `3600s`: about three significant figures. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'no expiry';
  if (ms < 1000) return `${ms.toPrecision(3)}ms`;
  return ms < 100_000 ? `${(ms / 1000).toPrecision(3)}s` : `${Math.round(ms / 1000)}s`;
}

/** `1536` → `1.50 KiB`. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(2)} ${units[unit]}`;
}
