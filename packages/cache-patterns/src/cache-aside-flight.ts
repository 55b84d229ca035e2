import type { FlightState } from './internal/flight-state.js';

/**
 * Single flight: joins the load of `key` already running in `state`, or
 * starts `run` and shares it until it settles.
 */
export function joinFlight<T>(state: FlightState, key: string, run: () => Promise<T>): Promise<T> {
  const running = state.flights.get(key);
  if (running !== undefined) return running as Promise<T>;
  const flight = run();
  state.flights.set(key, flight);
  const forget = (): void => {
    if (state.flights.get(key) === flight) state.flights.delete(key);
  };
  flight.then(forget, forget);
  return flight;
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
