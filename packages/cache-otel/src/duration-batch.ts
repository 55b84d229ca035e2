import type { Attributes, Histogram, Meter, Observable } from '@opentelemetry/api';

/** Sampled durations held before they are recorded together. */
export const DURATION_BATCH = 32;

/**
 * Sampled durations on their way to the `cache.operation.duration` histogram, recorded
 * {@link DURATION_BATCH} at a time and at every collection, so that an export never
 * misses one. The SDK hashes the attributes on every `record` (sorting and JSON-encoding
 * them); done once every 32 Redis calls, between which the store's own code runs, that
 * path is cold each time and cost about 3× what it costs run back to back
 * (docs/OBSERVABILITY.md). The values and attributes recorded are the same.
 */
export class DurationBatch {
  readonly #histogram: Histogram;
  readonly #seconds = new Float64Array(DURATION_BATCH);
  readonly #attributes: Attributes[] = [];

  constructor(histogram: Histogram) {
    this.#histogram = histogram;
  }

  /** Holds one duration, in seconds; records the batch once it is full. */
  add(seconds: number, attributes: Attributes): void {
    this.#seconds[this.#attributes.length] = seconds;
    if (this.#attributes.push(attributes) === DURATION_BATCH) this.flush();
  }

  /** Records every held duration. */
  flush(): void {
    const attributes = this.#attributes;
    try {
      for (let i = 0; i < attributes.length; i++)
        this.#histogram.record(this.#seconds[i] as number, attributes[i]);
    } finally {
      attributes.length = 0;
    }
  }

  /**
   * Flushes at every collection of `meter`'s readers: the SDK runs observable callbacks
   * before it reads the synchronous instruments. `anchor` is any observable instrument of
   * `meter` (a callback must name one); one never observed is never exported. Returns the
   * function that flushes one last time and stops.
   */
  flushOnCollect(meter: Meter, anchor: Observable): () => void {
    const flush = (): void => this.flush();
    meter.addBatchObservableCallback(flush, [anchor]);
    return () => {
      meter.removeBatchObservableCallback(flush, [anchor]);
      this.flush();
    };
  }
}
