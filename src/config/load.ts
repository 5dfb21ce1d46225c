/**
 * Finds and reads the configuration file. One file is used, the first that exists of:
 * 1. `--config <file>` (or OPENCLAW_TELEPHONY_CONFIG);
 * 2. a project file, searched upward from the working directory (SEARCH_PLACES in search.ts);
 * 3. OpenClaw's own configuration (openclaw-config.ts), when it has a `channels.telephony` section;
 * 4. the user configuration in this tool's platform config folder (USER_CONFIG_NAMES).
 * A project file wins over OpenClaw's so one checkout can carry its own settings; OpenClaw's wins over
 * the user folder because inside OpenClaw that is the file its operators edit.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { ConfigError } from '../errors.js';
import { openclawConfigPath } from './openclaw-config.js';
import type { AppPaths } from './paths.js';
import { searchProjectConfig } from './search.js';
import { peekConfigText, readConfigText } from './config-text.js';

export { SEARCH_PLACES } from './search.js';
import { commandPrefix } from '../command-prefix.js';

export const USER_CONFIG_NAMES = ['openclaw.config.json5', 'config.json5', 'config.json', 'config'];

export interface LoadedFile {
  filepath: string;
  /** The whole document as parsed. */
  document: Record<string, unknown>;
  /** `channels.telephony` of the document (empty when absent). */
  telephony: Record<string, unknown>;
  /** Key path from the top of the file to `channels.telephony`, for locating keys in the text. */
  rootKeys: string[];
  text: string;
}

/** Parses JSON5 text, turning a syntax error into a ConfigError with the file, line and column. */
export function parseJson5(text: string, filepath: string): unknown {
  try {
    return JSON5.parse(text);
  } catch (err) {
    const e = err as SyntaxError & { lineNumber?: number; columnNumber?: number };
    const where = e.lineNumber ? `:${e.lineNumber}:${e.columnNumber}` : '';
    const reason = e.message.replace(/^JSON5: /, '').replace(/ at \d+:\d+$/, '');
    throw new ConfigError(
      `${filepath}${where}: syntax error: ${reason}`,
      'Fix the JSON5 syntax at that line: check for a missing comma, quote or closing brace.',
      'config_syntax',
    );
  }
}

export async function findConfigFile(opts: { explicit?: string; cwd: string; paths: AppPaths; env?: NodeJS.ProcessEnv }): Promise<string | undefined> {
  if (opts.explicit) {
    const file = path.resolve(opts.cwd, opts.explicit);
    if (!existsSync(file)) {
      throw new ConfigError(`config file not found: ${file}`, 'Check the path given to --config, or create one with `' + commandPrefix() + ' config init`.', 'config_missing');
    }
    return file;
  }
  const project = searchProjectConfig(opts.cwd, parseJson5);
  if (project) return project;
  const openclawFile = openclawConfigPath(opts.env);
  if (hasTelephonySection(openclawFile)) return openclawFile;
  for (const name of USER_CONFIG_NAMES) {
    const candidate = path.join(opts.paths.configDir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** True when the file exists and has `channels.telephony` (a syntax error is reported, not skipped). */
function hasTelephonySection(filepath: string): boolean {
  if (!existsSync(filepath)) return false;
  const doc = parseJson5(peekConfigText(filepath), filepath) as { channels?: { telephony?: unknown } } | null;
  return typeof doc?.channels?.telephony === 'object' && doc.channels.telephony !== null;
}

export function readConfigFile(filepath: string): LoadedFile {
  const text = readConfigText(filepath);
  const isPackageJson = path.basename(filepath) === 'package.json';
  const parsed = parseJson5(text, filepath);
  const document = (isPackageJson ? (parsed as Record<string, unknown>)?.openclaw : parsed) ?? {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(`${filepath}: the configuration must be an object`, 'Write { channels: { telephony: { ... } } } in the file.');
  }
  const doc = document as Record<string, unknown>;
  const channels = doc.channels as Record<string, unknown> | undefined;
  const telephony = (channels && typeof channels === 'object' ? channels.telephony : undefined) ?? {};
  return {
    filepath,
    document: doc,
    telephony: telephony as Record<string, unknown>,
    rootKeys: [...(isPackageJson ? ['openclaw'] : []), 'channels', 'telephony'],
    text,
  };
}
