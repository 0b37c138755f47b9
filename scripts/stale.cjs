// Where the compiled bot lives and whether it is current: what a start needs before running it. CommonJS, like the
// rest of the start (scripts/start.cjs): an ES module as the entry would first load Node's ES module loader.
'use strict';
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
/** Written last by a build: its time is the build's. */
const ENTRY = join(DIST, 'main.cjs');
/** The compiled code V8 made of ENTRY at an earlier start (scripts/code-cache.cjs): never committed, safe to delete. */
const CODE_CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'roma-network-bot', 'code');
const SOURCES = ['src', 'adapters', 'migrations'];
/** The build itself: a change to how the bot is compiled compiles it anew. */
const BUILDER = join(__dirname, 'build.mjs');
/** npm rewrites it on every install: a changed dependency is bundled anew. */
const INSTALLED = join(ROOT, 'node_modules', '.package-lock.json');

function newestSource() {
  let newest = statSync(BUILDER).mtimeMs;
  try {
    newest = Math.max(newest, statSync(INSTALLED).mtimeMs);
  } catch {
    // installed some other way: sources only
  }
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const s of SOURCES) walk(join(ROOT, s));
  return newest;
}

/** Whether dist/ is missing or older than a source file (a pull, an edit) or an install: a few ms of stat calls. */
function isStale() {
  let built;
  try {
    built = statSync(ENTRY).mtimeMs;
  } catch {
    return true;
  }
  return newestSource() > built;
}

module.exports = { ROOT, DIST, ENTRY, CODE_CACHE_DIR, isStale };
