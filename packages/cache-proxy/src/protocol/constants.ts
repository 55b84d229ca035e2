/** The protocol version this package speaks; a server refuses other versions with PROTOCOL. */
export const PROTOCOL_VERSION = 1;

/** Bytes of the length prefix in front of every frame. */
export const LENGTH_PREFIX_BYTES = 4;

/** The first byte of every frame payload. */
export const FrameKind = {
  /** client → server: `[version, token, namespace | undefined]`. */
  HELLO: 1,
  /** server → client: `[version, { backend, maxFrameBytes, maxInFlight }]`. */
  WELCOME: 2,
  /** client → server: u32 id, u8 op, encoded args array. */
  REQUEST: 3,
  /** server → client: u32 id, encoded result. */
  RESULT: 4,
  /** server → client: u32 id, encoded `[code, message]`. */
  ERROR: 5,
  /** server → client, then the server closes: encoded `[code, message]`. */
  FATAL: 6,
  /**
   * server → client, only on a connection that asked for `push` in HELLO:
   * encoded `[seq, origin, 'k', keys[]] | [seq, origin, 'p', prefix] | [seq, origin, 'a']`.
   */
  PUSH: 7,
} as const;

/** Operation codes of REQUEST frames; every CacheService method has one (flush is clear, decrement is increment). */
export const Op = {
  get: 1,
  set: 2,
  delete: 3,
  exists: 4,
  setIfAbsent: 5,
  getAndSet: 6,
  increment: 7,
  getMany: 8,
  setMany: 9,
  deleteMany: 10,
  clear: 11,
  lock: 12,
  unlock: 13,
  extendLock: 14,
  stats: 15,
  ping: 16,
  /** `[prefixes[]]`: the invalidations this connection wants pushed (needs `push` in HELLO). */
  subscribe: 17,
} as const;
/** The name of an operation. */
export type OpName = keyof typeof Op;

/** Operation names by code. */
export const OP_NAMES: ReadonlyMap<number, OpName> = new Map(
  Object.entries(Op).map(([name, code]) => [code, name as OpName]),
);

/** Default largest frame, in bytes (payload, prefix not counted). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/**
 * Largest frame a server reads before the client has authenticated, in
 * bytes: room for a HELLO with a {@link MAX_TOKEN_BYTES} token and the
 * longest namespace, and no more, so unauthenticated sockets cost no memory.
 */
export const HANDSHAKE_MAX_FRAME_BYTES = 8 * 1024;

/** Longest token a server accepts, in UTF-8 bytes, so that every HELLO fits {@link HANDSHAKE_MAX_FRAME_BYTES}. */
export const MAX_TOKEN_BYTES = 4096;

/** Most prefixes one `subscribe` request may list. */
export const MAX_SUBSCRIBED_PREFIXES = 64;

/** Longest prefix a `subscribe` request may list, in UTF-8 bytes. */
export const MAX_SUBSCRIBED_PREFIX_BYTES = 1024;
