import type { CacheService } from '@pywatt/cache-core';

/** Loads and background refreshes running, by key. */
export interface FlightState {
  flights: Map<string, Promise<unknown>>;
  refreshing: Map<string, Promise<void>>;
}

/** A fresh, empty state. */
export const newFlightState = (): FlightState => ({ flights: new Map(), refreshing: new Map() });

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
