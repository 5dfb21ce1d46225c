/**
 * The project file search (step 2 of load.ts): from the working directory up to the root of its
 * drive, the first of SEARCH_PLACES that is a configuration. Our own few lines instead of cosmiconfig:
 * loading cosmiconfig (a dozen CommonJS files: parse-json, @babel/code-frame, js-yaml...) and its
 * asynchronous walk took about a fifth of a one-message `send` (~30 ms of ~190 ms on Node 20), and its
 * "global" step also read `config.json`, `config.yaml` or even ran `config.js` from the user folder before
 * OpenClaw's file was looked at, against the documented order (the user folder is step 4).
 */
import path from 'node:path';
import { ConfigError, UserError } from '../errors.js';
import { peekConfigText, readConfigText } from './config-text.js';

export const SEARCH_PLACES = ['openclaw.config.json5', '.openclawrc', '.openclawrc.json5', '.openclawrc.json', 'package.json'];

// What a missing or unusable candidate looks like: passed over, as a file that is not there.
const NOT_A_CANDIDATE = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES']);

/** The project configuration file nearest to `cwd`, or undefined. `parse` reads a package.json that is not strict JSON. */
export function searchProjectConfig(cwd: string, parse: (text: string, filepath: string) => unknown): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    for (const place of SEARCH_PLACES) {
      const filepath = path.join(dir, place);
      const text = readCandidate(filepath, place === 'package.json' ? peekConfigText : readConfigText);
      if (text === undefined || text.trim() === '') continue;
      if (place !== 'package.json' || packageHasChannels(text, filepath, parse)) return filepath;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function readCandidate(filepath: string, read: (filepath: string) => string): string | undefined {
  try {
    return read(filepath);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (NOT_A_CANDIDATE.has(code)) return undefined;
    throw new ConfigError(`cannot read ${filepath}: ${(err as Error).message}`, 'Check that the file is readable, or give another file with --config.', 'config_unreadable');
  }
}

/**
 * package.json#openclaw also holds OpenClaw's plugin metadata (this package's own does): only a
 * `channels` key there makes it a configuration file. npm's package.json is strict JSON, so JSON.parse
 * reads it; anything else goes through the JSON5 reader, which names the line of a syntax error.
 */
function packageHasChannels(text: string, filepath: string, parse: (text: string, filepath: string) => unknown): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = parse(text, filepath);
  }
  const openclaw = (doc as { openclaw?: { channels?: unknown } } | null)?.openclaw;
  return openclaw?.channels !== undefined && openclaw.channels !== null;
}
