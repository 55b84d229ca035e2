import type { Flight, FlightState } from './internal/flight-state.js';

/**
 * Single flight: joins the load of `key` already running in `state`, or
 * starts `run` and shares it until it settles. `run` calls `loaded(value)` as
 * soon as the loader answered, before the value is stored.
 */
export function joinFlight(
  state: FlightState,
  key: string,
  run: (loaded: (value: unknown) => void) => Promise<unknown>,
): Flight {
  const running = state.flights.get(key);
  if (running !== undefined) return running;
  let announce: (value: unknown) => void = () => {};
  const whenLoaded = new Promise<unknown>((resolve) => {
    announce = resolve;
  });
  const flight: Flight = {
    loaded: undefined,
    whenLoaded,
    done: run((value) => {
      flight.loaded = { value };
      announce(value);
    }),
  };
  state.flights.set(key, flight);
  const forget = (): void => {
    if (state.flights.get(key) === flight) state.flights.delete(key);
  };
  flight.done.then(forget, forget);
  return flight;
}

const SOFT = Symbol('soft timeout');

/**
 * What a caller gets from `flight`. Without `softTimeoutMs`: its result. With
 * it: the loaded value as soon as the loader answered (the cache write goes
 * on behind), or its result if that comes first; after `softTimeoutMs`,
 * `held` (a value the caller already has) if there is one, else whichever of
 * those comes first. The flight goes on either way.
 */
export async function awaitFlight(
  flight: Flight,
  softTimeoutMs: number | undefined,
  held: { readonly value: unknown } | undefined,
): Promise<unknown> {
  if (softTimeoutMs === undefined) return flight.done;
  if (flight.loaded !== undefined) return flight.loaded.value;
  let timer: NodeJS.Timeout | undefined;
  const soft = new Promise<typeof SOFT>((resolve) => {
    timer = setTimeout(resolve, softTimeoutMs, SOFT);
  });
  try {
    const first = await Promise.race([flight.done, flight.whenLoaded, soft]);
    if (first !== SOFT) return first;
  } finally {
    clearTimeout(timer);
  }
  if (held !== undefined) return held.value;
  return Promise.race([flight.done, flight.whenLoaded]);
}

/**
 * Starts a background refresh of `key` (stale-while-revalidate, early
 * refresh) unless one is running or the key is being loaded. Its failure goes
 * to `onError`; {@link FlightState.refreshing} holds it until it ends.
 */
export function refreshInBackground(
  state: FlightState,
  key: string,
  refresh: () => Promise<void>,
  onError: (error: unknown) => void,
): void {
  if (state.refreshing.has(key) || state.flights.has(key)) return;
  const running = refresh()
    .catch(onError)
    .finally(() => state.refreshing.delete(key));
  state.refreshing.set(key, running);
}
