// `npm start`: runs the compiled bot (dist/), compiling it first when it is missing or older than the sources, so
// `npm install && npm start` is still all a newcomer types. Plain JavaScript: node runs it without any loader.
import { CODE_CACHE_DIR, ENTRY, isStale } from './build.mjs';
import { runWithCodeCache } from './code-cache.mjs';

// `npm start | head -1`: once the reader has gone, further output fails with EPIPE. That is the reader's choice,
// not an error of the bot: end quietly, with success.
const quietOnClosedPipe = (err) => {
  if (err?.code === 'EPIPE') process.exit(0);
  throw err;
};
process.stdout.on('error', quietOnClosedPipe);
process.stderr.on('error', quietOnClosedPipe);

if (isStale()) {
  const { build } = await import('./build.mjs');
  const t0 = performance.now();
  await build();
  process.stderr.write(`compiled the bot into dist/ in ${Math.round(performance.now() - t0)} ms\n`);
}
runWithCodeCache(ENTRY, CODE_CACHE_DIR);
