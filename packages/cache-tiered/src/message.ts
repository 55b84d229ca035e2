import type { Invalidation } from './bus.js';

/** An invalidation as it travels on the pub/sub channel: who sent it, in which order. */
export interface BusMessage {
  /** The sending bus's random id, so a process skips its own messages. */
  readonly origin: string;
  /** 1, 2, 3… per origin: a gap means messages were lost. */
  readonly seq: number;
  readonly invalidation: Invalidation;
}

// JSON array: keys may hold any character (newlines, '|'), and JSON.parse is the
// fastest safe parser Node has. Shape: [origin, seq, 'k', ...keys] | [origin, seq, 'p', prefix] | [origin, seq, 'a'].

/** The wire form of a message. */
export function encodeMessage(origin: string, seq: number, invalidation: Invalidation): string {
  switch (invalidation.kind) {
    case 'keys':
      return JSON.stringify([origin, seq, 'k', ...invalidation.keys]);
    case 'prefix':
      return JSON.stringify([origin, seq, 'p', invalidation.prefix]);
    default:
      return JSON.stringify([origin, seq, 'a']);
  }
}

/** The message, or undefined for anything that is not one (another program on the channel). */
export function decodeMessage(text: string): BusMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length < 3) return undefined;
  const [origin, seq, kind, ...rest] = parsed as unknown[];
  if (typeof origin !== 'string' || typeof seq !== 'number' || !Number.isSafeInteger(seq)) {
    return undefined;
  }
  if (!rest.every((item) => typeof item === 'string')) return undefined;
  const strings = rest as string[];
  if (kind === 'k') return { origin, seq, invalidation: { kind: 'keys', keys: strings } };
  if (kind === 'p' && strings.length === 1) {
    return { origin, seq, invalidation: { kind: 'prefix', prefix: strings[0] as string } };
  }
  if (kind === 'a') return { origin, seq, invalidation: { kind: 'all' } };
  return undefined;
}
