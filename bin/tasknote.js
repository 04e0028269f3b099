#!/usr/bin/env node
// Entry of `npm run synth|check|diff|promote|graph|deploy|preview|destroy|seal`.
// Runs the compiled CLI (bin/cli-build.js: one esbuild bundle of app/cli.ts, no type-check: that
// is `npm run typecheck`). A stale bundle never runs: when any input changed since it was built,
// it is rebuilt first. If it cannot be rebuilt (say, the checkout is read-only), the sources run
// through tsx instead, as they do with TASKNOTE_CLI=source.
//
// The bundle is compiled with a V8 code cache, one per command, written by the command's first run
// after a build: later runs skip parsing and compiling what that command ran.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const argv = process.argv.slice(2);

function fromSource() {
  require('tsx/cjs');
  return require('../app/cli.ts');
}

/** Loads the bundle as `require` would, compiled with (or producing) the V8 code cache of `command`. */
function loadBundle(file, source, cacheFile) {
  const Module = require('node:module');
  const vm = require('node:vm');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const bundle = new Module(file, module);
  bundle.filename = file;
  bundle.paths = Module._nodeModulePaths(path.dirname(file));
  bundle.loaded = true;
  script.runInThisContext().call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, path.dirname(file));
  if (cachedData === undefined || script.cachedDataRejected) {
    // After the command ran, so that the cache holds the code of every function it called.
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        // A read-only checkout runs without a cache.
      }
    });
  }
  return bundle.exports;
}

async function load() {
  if (process.env.TASKNOTE_CLI === 'source') return fromSource();
  const cli = require('./cli-build.js');
  let state = cli.freshness();
  let source;
  // Twice at most: a build running at the same time can replace the bundle just found current.
  for (let attempt = 0; source === undefined; attempt++) {
    if (state.stale !== undefined) {
      try {
        state = await cli.build();
      } catch (err) {
        process.stderr.write(`tasknote: the compiled CLI is stale (${state.stale}) and could not be rebuilt (${err.message}); running the sources\n`);
        return fromSource();
      }
    }
    try {
      const bytes = fs.readFileSync(state.bundle);
      // The bundle is ASCII (bin/cli-build.js): read as latin1, the same string ten times faster than as UTF-8.
      source = require('node:buffer').isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString('utf8');
    } catch (err) {
      if (err.code !== 'ENOENT' || attempt > 0) throw err;
      state = { stale: 'replaced by another build' };
    }
  }
  globalThis.__tasknoteCheckout = cli.ROOT;
  const command = /^[a-z]+$/.test(argv[0] ?? '') ? argv[0] : 'other';
  return loadBundle(state.bundle, source, state.bundle.replace(/\.js$/, `.${command}.v8cache`));
}

/**
 * Commands that are done when main resolves: they exit at once rather than wait for Node to tear
 * down the heap (about 30 ms). Output is written synchronously on Linux (files, pipes, terminals).
 * deploy, preview and destroy drive the Pulumi engine and end on their own.
 */
const EXIT_WHEN_DONE = new Set(['synth', 'check', 'diff', 'graph', 'promote']);

load()
  .then((cli) => cli.main(argv))
  .then(() => {
    if (EXIT_WHEN_DONE.has(argv[0])) process.exit();
  });
