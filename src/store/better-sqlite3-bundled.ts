/**
 * better-sqlite3 as the send bundle loads it (scripts/bundle.mjs maps `better-sqlite3` here for that
 * bundle only): its JavaScript is part of the bundle, so it compiles through the code cache instead
 * of a dozen files through Node's loader, and its native addon is loaded by path, where npm's install
 * puts it, without the `bindings` package's search (a stack trace, then requires of paths that are
 * not there). An addon anywhere else (a Debug build, another layout) is left to the package itself,
 * loaded from node_modules exactly as the other bundles load it.
 * Measured on Node 20 here: requiring the package and opening a file took ~13-30 ms, ~12 ms of it
 * the package's files and the search.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

type Database = typeof BetterSqlite3;

// The send bundle is CommonJS: __filename is the bundle file, inside the installed package.
const requireFromBundle = createRequire(__filename);

function addonPath(): string | undefined {
  try {
    return requireFromBundle.resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    return undefined;
  }
}

function load(): Database {
  const addon = addonPath();
  if (!addon) return requireFromBundle('better-sqlite3') as Database;
  // A require of a fixed name: esbuild puts the package's lib/ into the bundle.
  const Bundled = require('better-sqlite3/lib/index.js') as Database;
  // The addon is loaded by the first open (and throws there when it cannot be, as the package does).
  const open = function (this: unknown, file?: string | Buffer, options: BetterSqlite3.Options = {}) {
    return new Bundled(file, { ...options, nativeBinding: options.nativeBinding ?? addon });
  };
  return Object.assign(open, Bundled) as unknown as Database;
}

export default load();
