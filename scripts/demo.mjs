// `npm run demo`: installs what is missing, builds, and runs the main demo on the
// embedded memory backend (no server needed).
import { ensureDependencies, ensurePnpm, run } from './bootstrap.mjs';

ensurePnpm();
ensureDependencies();
run('pnpm', ['turbo', 'run', 'build', '--filter=@example/memory...', '--output-logs=errors-only']);
run('pnpm', ['--silent', '--filter', '@example/memory', 'start']);
