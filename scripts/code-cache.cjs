// Runs the compiled bot (one CommonJS file) with V8's code cache, which Node 22 offers as
// `module.enableCompileCache()` and Node 20 does not: compiling the 3 MB bundle, and then each function it calls
// while starting, was a third of a compiled start (issue 17). After the first start the compiled code is kept beside
// the installed packages, like the parsed-YAML cache, and later starts read it back instead of compiling.
'use strict';
const { isAscii } = require('node:buffer');
const { createHash } = require('node:crypto');
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

/** How long a start runs before its compiled code is kept: long enough to have answered, short enough to be reached. */
const KEEP_AFTER_MS = 3000;

/**
 * The cache file for this build of `file` on this Node: named by the file's size, time and inode (a build writes a
 * new file, so any rebuild is a new name) and Node's version. V8 itself checks only the source's length, so the name
 * is what keeps a stale cache from ever being used for a changed bundle.
 */
function cacheFileFor(file, cacheDir) {
  const s = statSync(file);
  const key = createHash('sha256')
    .update([s.size, s.mtimeMs, s.ino, process.version, process.arch, process.execArgv.join(' ')].join('\0'))
    .digest('hex')
    .slice(0, 32);
  return join(cacheDir, `${key}.code`);
}

function readOrUndefined(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Runs `file` as CommonJS, compiled from the cache in `cacheDir` when one was kept for it. A cache that is missing,
 * rejected by V8 or unwritable only costs the compilation it would have saved. The file must not call import():
 * in a vm script Node 20 allows it only behind a flag (the build turns each into require()). Says whether the
 * kept code was used, or compiled afresh (and kept a few seconds later).
 */
function runWithCodeCache(file, cacheDir) {
  const require = createRequire(file);
  const cacheFile = cacheFileFor(file, cacheDir);
  const cachedData = readOrUndefined(cacheFile);
  // The build writes only ASCII (asciiOnly in scripts/build.mjs): read as Latin-1 it needs no UTF-8 decoding.
  const bytes = readFileSync(file);
  const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const used = cachedData !== undefined && !script.cachedDataRejected;
  if (!used) {
    // Kept once, after start-up: the functions compiled by then (starting, the first answers) are in it too.
    let kept = false;
    const keep = () => {
      if (kept) return;
      kept = true;
      try {
        mkdirSync(cacheDir, { recursive: true });
        // Written aside and renamed, so a bot starting meanwhile never reads half a file.
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
        // Only the running build's code is of use: earlier builds' (2 MB each) would pile up with every pull.
        for (const f of readdirSync(cacheDir)) if (f.endsWith('.code') && join(cacheDir, f) !== cacheFile) rmSync(join(cacheDir, f), { force: true });
      } catch {
        // an unwritable cache is not used
      }
    };
    setTimeout(keep, KEEP_AFTER_MS).unref();
    process.once('exit', keep);
  }
  const module = { exports: {}, filename: file, id: file, loaded: false, require };
  script.runInThisContext()(module.exports, require, module, file, dirname(file));
  return used ? 'used' : 'compiled';
}

module.exports = { runWithCodeCache };
