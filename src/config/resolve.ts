/**
 * Resolves the configuration: schema defaults, then the file, then the profile overlay, then the
 * environment, then flags. Records where each value came from for `config show`.
 */
import { ConfigError } from '../errors.js';
import { findConfigFile, type LoadedFile, readConfigFile } from './load.js';
import { locateKey } from './locate.js';
import { inboundPolicyProblems } from './policy-check.js';
import { type AppPaths, defaultSqlitePath, resolveAppPaths } from './paths.js';
import { type ConfigOf, envNameFor, listLeaves, type TELEPHONY_SCHEMA } from './schema.js';
import { checkLeaf, type ConfigProblem, isPlainObject, parseLeafText, validateTelephony } from './validate.js';
import { hintCommand } from '../command-prefix.js';
import { isSecretRef, resolveSecretRef } from '../secrets/secret-ref.js';

export type ValueSource = 'default' | 'file' | 'profile' | 'env' | 'flag' | 'keychain' | 'secretref';

/** `channels.telephony` after resolution: derived from the schema, and frozen (nothing changes it later). */
export type ResolvedConfig = ConfigOf<typeof TELEPHONY_SCHEMA.children>;

export interface ResolveConfigOptions {
  /** `--config <file>` */
  configFile?: string;
  /** `--profile <name>`; also OPENCLAW_TELEPHONY_PROFILE. */
  profile?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Values given as command-line flags, by dotted key path. */
  flags?: Record<string, unknown>;
  /** Keep going when the file has errors (for `config validate` and `doctor`). */
  tolerateErrors?: boolean;
}

export interface ConfigResolution {
  config: ResolvedConfig;
  sources: Readonly<Record<string, ValueSource>>;
  /** Which environment variable a value came from, by key path. */
  envNames: Readonly<Record<string, string>>;
  profile: string;
  file?: LoadedFile;
  problems: ConfigProblem[];
  paths: AppPaths;
}

export async function resolveConfig(opts: ResolveConfigOptions = {}): Promise<ConfigResolution> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const paths = resolveAppPaths(env);
  const profile = opts.profile ?? env.OPENCLAW_TELEPHONY_PROFILE ?? 'default';
  const filepath = await findConfigFile({ explicit: opts.configFile ?? env.OPENCLAW_TELEPHONY_CONFIG, cwd, paths, env });
  const file = filepath ? readConfigFile(filepath) : undefined;

  const problems = file ? validateTelephony(file.telephony).map((p) => withLocation(p, file)) : [];
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0 && !opts.tolerateErrors) throw configErrorFrom(errors, file!);

  const flat: Record<string, unknown> = {};
  const sources: Record<string, ValueSource> = {};
  const envNames: Record<string, string> = {};
  const erroneous = new Set(errors.map((e) => e.path));
  const overlay = profileOverlay(file, profile);

  for (const { path, spec } of listLeaves()) {
    const set = (value: unknown, source: ValueSource) => {
      flat[path] = value;
      sources[path] = source;
    };
    // An OpenClaw SecretRef in the file stands for the secret it names (secrets/secret-ref.ts).
    const setFromFile = (value: unknown, source: ValueSource, where: string) => {
      if (!isSecretRef(value)) return set(value, source);
      const resolved = resolveSecretRef(value, env);
      if (resolved.value !== undefined) return set(resolved.value, 'secretref');
      problems.push({ severity: 'warning', path: where, ...resolved.problem });
    };
    if (spec.default !== undefined) set(structuredClone(spec.default), 'default');
    const fromFile = getPath(file?.telephony, path);
    if (fromFile !== undefined && !erroneous.has(path)) setFromFile(fromFile, 'file', path);
    const fromProfile = getPath(overlay, path);
    if (fromProfile !== undefined && !erroneous.has(`profiles.${profile}.${path}`)) setFromFile(fromProfile, 'profile', `profiles.${profile}.${path}`);
    for (const name of [...(spec.env ?? []), envNameFor(path)]) {
      const text = env[name];
      if (text === undefined || text === '') continue;
      const value = parseLeafText(spec, text);
      const problem = checkLeaf(spec, value);
      if (problem) {
        throw new ConfigError(`environment variable ${name}: ${problem.message}`, problem.hint ?? `Unset ${name} or give it a valid value.`);
      }
      set(value, 'env');
      envNames[path] = name;
    }
    const fromFlag = opts.flags?.[path];
    if (fromFlag !== undefined) set(fromFlag, 'flag');
  }
  if (flat['store.url'] === undefined) {
    flat['store.url'] = defaultSqlitePath(paths);
    sources['store.url'] = 'default';
  }
    // Every leaf was checked against its spec (defaults, file and profile by validation, env above,
  // flags by their parsers), so the nested values have the schema's types.
  const config = deepFreeze(nest(flat)) as ResolvedConfig;
  const crossed = inboundPolicyProblems(config, (path) => describeSource(sources[path], envNames[path], file, profile));
  if (crossed.length && !opts.tolerateErrors) throw new ConfigError(`channels.telephony.${crossed[0].path}: ${crossed[0].message}`, crossed[0].hint);
  problems.push(...crossed);
  return { config, sources: Object.freeze(sources), envNames: Object.freeze(envNames), profile, file, problems, paths };
}

/** Where a value came from, in words for an error message. */
function describeSource(source: ValueSource | undefined, envName: string | undefined, file: LoadedFile | undefined, profile: string): string {
  if (source === 'env' && envName) return `from the environment variable ${envName}`;
  if (source === 'file' && file) return `in ${file.filepath}`;
  if (source === 'profile' && file) return `in profile "${profile}" of ${file.filepath}`;
  return source === 'flag' ? 'from a command-line flag' : 'by default';
}

function profileOverlay(file: LoadedFile | undefined, profile: string): Record<string, unknown> | undefined {
  const profiles = file?.telephony.profiles;
  if (!isPlainObject(profiles)) return undefined;
  const overlay = profiles[profile];
  return isPlainObject(overlay) ? overlay : undefined;
}

export function withLocation(problem: ConfigProblem, file: LoadedFile): ConfigProblem & { line?: number; column?: number } {
  const where = locateKey(file.text, [...file.rootKeys, ...problem.path.split('.').filter(Boolean)]);
  return { ...problem, ...(where ? { line: where.line, column: where.column } : {}) };
}

export function formatProblem(p: ConfigProblem & { line?: number; column?: number }, file: LoadedFile): string {
  const where = p.line ? `${file.filepath}:${p.line}:${p.column}` : file.filepath;
  return `${where}: channels.telephony.${p.path}: ${p.message}`;
}

function configErrorFrom(errors: ConfigProblem[], file: LoadedFile): ConfigError {
  if (errors.length === 1) return new ConfigError(formatProblem(errors[0], file), errors[0].hint ?? 'Run `' + hintCommand('config validate') + '` for details.');
  // Each fix stays next to its problem: joined into one sentence they read as one muddled fix.
  const lines = errors.map((e) => `${formatProblem(e, file)}${e.hint ? `\n    fix: ${e.hint}` : ''}`);
  return new ConfigError(
    `${errors.length} problems in the configuration:\n  ${lines.join('\n  ')}`,
    'Fix each one as its own line says; `' + hintCommand('config validate') + '` checks the file again.',
  );
}

export function getPath(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const part of dotted.split('.')) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Freezes the resolved values all the way down: a later write throws instead of changing what others read. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function nest(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [dotted, value] of Object.entries(flat)) {
    const parts = dotted.split('.');
    let cur = out;
    for (const part of parts.slice(0, -1)) cur = (cur[part] ??= {}) as Record<string, unknown>;
    cur[parts[parts.length - 1]] = value;
  }
  // Groups with no values set still exist, so `config.twilio.accountSid` never throws.
  for (const { path } of listLeaves()) {
    const parts = path.split('.');
    let cur = out;
    for (const part of parts.slice(0, -1)) cur = (cur[part] ??= {}) as Record<string, unknown>;
  }
  return out;
}
