/**
 * `config set`: changes one key in the configuration file. A key already written as a one-line value
 * is replaced in place, so comments and layout survive; otherwise the file is rewritten as JSON5
 * (comments are lost then, and the command says so).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readConfigText } from './config-text.js';
import path from 'node:path';
import JSON5 from 'json5';
import { ConfigError, UserError } from '../errors.js';
import { parseJson5 } from './load.js';
import { locateKey } from './locate.js';
import { findLeaf, listLeaves } from './schema.js';
import { checkLeaf, closest, isPlainObject, parseLeafText } from './validate.js';
import { commandPrefix } from '../command-prefix.js';

export interface SetResult {
  file: string;
  key: string;
  value: unknown;
  /** false when the file had to be rewritten and lost its comments. */
  preservedLayout: boolean;
  created: boolean;
}

export function parseSetValue(key: string, text: string): unknown {
  const spec = findLeaf(key);
  if (!spec) {
    const guess = closest(key, listLeaves().map((l) => l.path));
    throw new UserError(`unknown key "${key}"${guess ? `; did you mean "${guess}"?` : ''}`, {
      code: 'config_unknown_key',
      hint: 'Keys are dotted paths below channels.telephony; `' + commandPrefix() + ' config show` lists them all.',
    });
  }
  if (spec.secret) {
    throw new UserError(`"${key}" is a secret and does not belong in a config file.`, {
      code: 'config_secret',
      hint: 'Store it with `' + commandPrefix() + ' auth login` (or set it in the environment).',
    });
  }
  const value = parseLeafText(spec, text);
  const problem = checkLeaf(spec, value);
  if (problem) throw new UserError(`${key}: ${problem.message}`, { code: 'config_invalid_value', hint: problem.hint });
  return value;
}

export function setConfigValue(file: string, key: string, value: unknown): SetResult {
  const created = !existsSync(file);
  // Written back as UTF-8 (without a mark), whatever it was read as.
  const text = created ? '{}\n' : readConfigText(file);
  const isPackageJson = path.basename(file) === 'package.json';
  const rootKeys = [...(isPackageJson ? ['openclaw'] : []), 'channels', 'telephony'];
  const inPlace = created ? undefined : replaceInPlace(text, [...rootKeys, ...key.split('.')], value);
  if (inPlace !== undefined) {
    writeFileSync(file, inPlace);
    return { file, key, value, preservedLayout: true, created };
  }
  const doc = parseJson5(text, file);
  if (!isPlainObject(doc)) throw new ConfigError(`${file}: the configuration must be an object`);
  let cur: Record<string, unknown> = doc;
  for (const part of [...rootKeys, ...key.split('.').slice(0, -1)]) {
    if (!isPlainObject(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[key.split('.').pop()!] = value;
  mkdirSync(path.dirname(file), { recursive: true });
  const serialized = isPackageJson || file.endsWith('.json') ? JSON.stringify(doc, null, 2) : JSON5.stringify(doc, null, 2);
  writeFileSync(file, serialized + '\n');
  return { file, key, value, preservedLayout: created || !/\/\/|\/\*/.test(text), created };
}

function replaceInPlace(text: string, keys: string[], value: unknown): string | undefined {
  const uncommented = locateKey(text, keys);
  const where = uncommented?.exact ? uncommented : locateKey(text, keys, { includeComments: true });
  if (!where?.exact) return undefined;
  const lines = text.split('\n');
  const line = lines[where.line - 1];
  const last = keys[keys.length - 1];
  // Only a complete one-line scalar or list value: `key: value,` with nothing but a comment after it.
  // A key the starter left commented out (`// key: "",`) is uncommented as it is filled in.
  const re = new RegExp(`^(\\s*)(?:\\/\\/\\s*)?(["']?${last}["']?\\s*:\\s*)("[^"]*"|'[^']*'|[-\\w.+]+|\\[[^\\]]*\\])(\\s*,?\\s*(?://.*)?)$`);
  const m = re.exec(line);
  if (!m) return undefined;
  lines[where.line - 1] = `${m[1]}${m[2]}${JSON.stringify(value)}${m[4]}`;
  return lines.join('\n');
}
