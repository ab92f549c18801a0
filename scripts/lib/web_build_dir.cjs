// RadZ's one web (Emscripten) build folder, defined here and nowhere else:
//
//   $RADZ_WEB_BUILD_DIR, default build-wasm; a relative path is taken from the repository root.
//   The page is assembled in its web-dist/ (scripts/build_web.sh), which scripts/serve serves.
//
// Node scripts: require('./lib/web_build_dir.cjs').webBuildDir() (absolute path).
// Shell scripts: BUILD_DIR=$(node scripts/lib/web_build_dir.cjs) || exit 2  (prints it).
// The old second variable RADZ_WASM_BUILD_DIR is refused with a one-line error, never ignored.
'use strict';
const path = require('path');

const DEFAULT = 'build-wasm';
const root = path.resolve(__dirname, '../..');

function webBuildDir() {
  if (process.env.RADZ_WASM_BUILD_DIR) {
    throw new Error('RADZ_WASM_BUILD_DIR is no longer read: set RADZ_WEB_BUILD_DIR, the one web build folder ' +
      '(default ' + DEFAULT + ')');
  }
  return path.resolve(root, process.env.RADZ_WEB_BUILD_DIR || DEFAULT);
}

function webDist() {
  return path.join(webBuildDir(), 'web-dist');
}

module.exports = { DEFAULT, webBuildDir, webDist };

if (require.main === module) {
  try {
    process.stdout.write(webBuildDir() + '\n');
  } catch (e) {
    process.stderr.write('scripts/lib/web_build_dir.cjs: ' + e.message + '\n');
    process.exit(2);
  }
}
