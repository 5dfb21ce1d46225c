/** `config path | show | validate | init | set`. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, UserError } from '../../errors.js';
import { parseSetValue, setConfigValue } from '../../config/edit.js';
import { findConfigFile, SEARCH_PLACES, USER_CONFIG_NAMES } from '../../config/load.js';
import { createConfigHint, openclawConfigPath } from '../../config/openclaw-config.js';
import { resolveAppPaths } from '../../config/paths.js';
import { requireKnownProfile } from '../../config/profiles.js';
import { formatProblem, getPath, resolveConfig, withLocation } from '../../config/resolve.js';
import { listLeaves } from '../../config/schema.js';
import { renderStarterConfig } from '../../config/starter.js';
import { resolveCredentials } from '../../secrets/credentials.js';
import { createKeychainStore } from '../../secrets/keychain.js';
import { maskSecret } from '../../secrets/redact.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../output.js';
import { commandPrefix } from '../../command-prefix.js';
import { unknownEnvNames, unknownEnvWarning } from '../../config/env-names.js';
import { safeForTerminal } from '../../text/terminal-safe.js';

export async function configPath(ctx: CommandContext): Promise<number> {
  const paths = resolveAppPaths();
  const file = await findConfigFile({ explicit: ctx.global.config, cwd: process.cwd(), paths });
  const openclawConfig = openclawConfigPath();
  const data = { file: file ?? null, searched: SEARCH_PLACES, openclawConfig, userConfigDir: paths.configDir, userConfigNames: USER_CONFIG_NAMES, dataDir: paths.dataDir };
  ctx.out.result(data, () =>
    file
      ? file
      : `No configuration file found (defaults and environment apply).\nSearched upward from ${process.cwd()} for ${SEARCH_PLACES.join(', ')} (package.json#openclaw.channels),\nthen OpenClaw's ${openclawConfig} for channels.telephony,\nthen ${paths.configDir} for ${USER_CONFIG_NAMES.join(', ')}.\n${createConfigHint()}`,
  );
  return 0;
}

export async function configShow(ctx: CommandContext): Promise<number> {
  const resolution = await resolveConfig({ configFile: ctx.global.config, profile: ctx.global.profile });
  const keychain = createKeychainStore();
  await requireKnownProfile(resolution, keychain);
  const creds = await resolveCredentials(resolution, keychain);
  const values = listLeaves().map(({ path: key, spec }) => {
    // Credentials may come from the OS store, which the configuration does not hold.
    const credential = creds.statuses.find((s) => s.key === key);
    const raw = credential ? creds.values[key] : getPath(resolution.config, key);
    const value = spec.secret && typeof raw === 'string' && raw ? maskSecret(raw) : (raw ?? null);
    const source = raw === undefined ? null : ((credential ? credential.source : resolution.sources[key]) ?? null);
    return { key, value, source, ...(resolution.envNames[key] ? { envName: resolution.envNames[key] } : {}) };
  });
  const data = { file: resolution.file?.filepath ?? null, profile: resolution.profile, credentialStoreError: creds.storeError ?? null, values };
  ctx.out.result(data, () => {
    const rows = [['KEY', 'VALUE', 'SOURCE']];
    for (const v of values) rows.push([v.key, v.value === null ? '-' : typeof v.value === 'string' ? v.value : JSON.stringify(v.value), v.source ? (v.envName ? `env (${v.envName})` : v.source) : '-']);
    return `file: ${data.file ?? '(none)'}\nprofile: ${data.profile}\n\n${formatTable(rows)}`;
  });
  return 0;
}

export async function configValidate(ctx: CommandContext): Promise<number> {
  const resolution = await resolveConfig({ configFile: ctx.global.config, profile: ctx.global.profile, tolerateErrors: true });
  const file = resolution.file;
  // Misspelt OPENCLAW_TELEPHONY_* names: warnings with no key path, the variable named instead.
  const envWarnings = unknownEnvNames().map((u) => ({ path: null, variable: u.name, ...unknownEnvWarning(u), line: null, column: null }));
  const envLines = envWarnings.map((w) => `warning: ${safeForTerminal(w.message)}\n  fix: ${safeForTerminal(w.hint)}`);
  if (!file) {
    ctx.out.result({ file: null, valid: true, errors: [], warnings: envWarnings }, () => [...envLines, 'No configuration file found: the defaults and the environment apply.'].join('\n'));
    return 0;
  }
  const located = resolution.problems.map((p) => withLocation(p, file));
  const errors = located.filter((p) => p.severity === 'error');
  const warnings = located.filter((p) => p.severity === 'warning');
  const shape = (p: (typeof located)[number]) => ({ path: `channels.telephony.${p.path}`, message: p.message, hint: p.hint ?? null, line: p.line ?? null, column: p.column ?? null });
  const warned = warnings.length + envWarnings.length;
  ctx.out.result({ file: file.filepath, valid: errors.length === 0, errors: errors.map(shape), warnings: [...warnings.map(shape), ...envWarnings] }, () => {
    const lines = [...errors.map((p) => `error: ${formatProblem(p, file)}${p.hint ? `\n  fix: ${p.hint}` : ''}`)];
    lines.push(...warnings.map((p) => `warning: ${formatProblem(p, file)}${p.hint ? `\n  fix: ${p.hint}` : ''}`), ...envLines);
    lines.push(errors.length ? `${file.filepath}: ${errors.length} error(s), ${warned} warning(s).` : `${file.filepath} is valid${warned ? ` (${warned} warning(s))` : ''}.`);
    return lines.join('\n');
  });
  return errors.length ? ExitCode.config : 0;
}

export async function configInit(ctx: CommandContext): Promise<number> {
  const { opts } = ctx;
  const target = opts.path
    ? path.resolve(opts.path as string)
    : opts.user
      ? path.join(resolveAppPaths().configDir, 'openclaw.config.json5')
      : path.resolve('openclaw.config.json5');
  if (existsSync(target) && !opts.force) {
    throw new UserError(`${target} already exists; it was left as it is.`, { code: 'config_exists', hint: 'Pass --force to overwrite it, or --path to write elsewhere.' });
  }
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, renderStarterConfig());
  ctx.out.result({ file: target }, () => `Wrote ${target}. Next: \`${commandPrefix()} auth login\`, then \`${commandPrefix()} config validate\`.`);
  return 0;
}

export async function configSet(ctx: CommandContext, key: string, valueText: string): Promise<number> {
  const value = parseSetValue(key, valueText);
  const paths = resolveAppPaths();
  const file = (await findConfigFile({ explicit: ctx.global.config, cwd: process.cwd(), paths })) ?? path.join(paths.configDir, 'openclaw.config.json5');
  const target = ctx.global.profile && ctx.global.profile !== 'default' ? `profiles.${ctx.global.profile}.${key}` : key;
  const result = setConfigValue(file, target, value);
  if (!result.preservedLayout) ctx.out.warn(`${file} was rewritten to add "${target}": its comments were not kept.`);
  ctx.out.result(result, () => `Set channels.telephony.${target} = ${JSON.stringify(value)} in ${file}${result.created ? ' (new file)' : ''}.`);
  return 0;
}
