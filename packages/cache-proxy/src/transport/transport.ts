/** What a connection needs from the bytes underneath it, whatever carries them. */
export interface Transport {
  /** `unix:/path`, `tcp:127.0.0.1:7000` or `ipc:<pid>#<id>`, for logs and messages. */
  readonly description: string;
  /** Queues bytes for the peer. */
  write(chunk: Buffer): void;
  /** Closes after the queued bytes have left. */
  end(): void;
  /** Closes now. */
  destroy(): void;
  /** True while the peer has not read much of what was written (the reader should pause). */
  readonly congested: boolean;
  /** Stops delivering data until {@link resume}. */
  pause(): void;
  resume(): void;
}

/** Callbacks a transport reports to. */
export interface TransportHandlers {
  onData(chunk: Buffer): void;
  /** Called once, when the link is gone (either side closed it, or it failed). */
  onClose(error?: Error): void;
  /** Called when a congested transport can take more. */
  onDrain?(): void;
}
