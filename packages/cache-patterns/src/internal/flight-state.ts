import type { CacheService } from '@pywatt/cache-core';
import { GraceBackoff } from '../cache-aside-grace.js';

/** One load in flight: `done` settles once the value is stored; `loaded` is set as soon as the loader answered. */
export interface Flight {
  readonly done: Promise<unknown>;
  loaded: { readonly value: unknown } | undefined;
  /** Resolves with the loaded value when the loader answers; never rejects. */
  readonly whenLoaded: Promise<unknown>;
}

/** Loads, background refreshes and grace backoffs, by key. */
export interface FlightState {
  flights: Map<string, Flight>;
  refreshing: Map<string, Promise<void>>;
  backoff: GraceBackoff;
}

/** A fresh, empty state. */
export const newFlightState = (): FlightState => ({
  flights: new Map(),
  refreshing: new Map(),
  backoff: new GraceBackoff(),
});

/** The state `cacheAside()` calls share per cache. */
export function flightStateOf(cache: CacheService): FlightState {
  let state = byCache.get(cache);
  if (state === undefined) {
    state = newFlightState();
    byCache.set(cache, state);
  }
  return state;
}
const byCache = new WeakMap<CacheService, FlightState>();
