// Loaded with `node --require` by scripts/fuzz.sh: when Jazzer.js's prebuilt libFuzzer addon does
// not load on this machine (Debian 12's glibc is older than the one it was linked against), Jazzer
// gets the compatible copy that scripts/jazzer-compat.mjs writes to build/jazzer/ instead.
'use strict';
const Module = require('node:module');
const path = require('node:path');

const name = `fuzzer-${process.platform}-${process.arch}.node`;
const suffix = path.join('@jazzer.js', 'fuzzer', 'prebuilds', name);
const patched = path.join(__dirname, '..', '..', '..', 'build', 'jazzer', name);
const load = Module._extensions['.node'];

Module._extensions['.node'] = function (module, filename) {
  if (!filename.endsWith(suffix)) return load.call(this, module, filename);
  try {
    return load.call(this, module, filename);
  } catch (e) {
    if (e.code !== 'ERR_DLOPEN_FAILED') throw e;
    return load.call(this, module, patched);
  }
};
