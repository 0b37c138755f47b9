// `npm start`: runs the compiled bot (dist/), compiling it first when it is missing or older than the sources, so
// `npm install && npm start` is still all a newcomer types. Plain CommonJS: node runs it without any loader, and
// without first loading its ES module loader (a few ms of every start).
'use strict';
const { CODE_CACHE_DIR, ENTRY, isStale } = require('./stale.cjs');
const { runWithCodeCache } = require('./code-cache.cjs');

// `npm start | head -1`: once the reader has gone, further output fails with EPIPE. That is the reader's choice,
// not an error of the bot: end quietly, with success.
const quietOnClosedPipe = (err) => {
  if (err?.code === 'EPIPE') process.exit(0);
  throw err;
};
process.stdout.on('error', quietOnClosedPipe);
process.stderr.on('error', quietOnClosedPipe);

if (isStale()) {
  // The builder (esbuild) is an ES module, loaded only when there is something to compile.
  import('./build.mjs').then(async ({ build }) => {
    const t0 = performance.now();
    await build();
    process.stderr.write(`compiled the bot into dist/ in ${Math.round(performance.now() - t0)} ms\n`);
    runWithCodeCache(ENTRY, CODE_CACHE_DIR);
  });
} else {
  runWithCodeCache(ENTRY, CODE_CACHE_DIR);
}
