// The `pywatt-cache` command line as a function, for embedding and tests; the bin is src/bin.ts.
export { runCli, URL_ENV } from './run-cli.js';
export type { CliIo } from './terminal.js';
