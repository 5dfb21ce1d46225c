/**
 * Where OpenClaw keeps its configuration, found the way OpenClaw 2026.9 finds it (its
 * src/config/paths.ts): OPENCLAW_CONFIG_PATH, else `<state dir>/openclaw.json`, the state dir being
 * OPENCLAW_STATE_DIR, else `~/.openclaw-<profile>` for a named OPENCLAW_PROFILE (OpenClaw's global
 * `--profile <name>` and `--dev` set these variables before any command runs), else `~/.openclaw`;
 * `~` is OPENCLAW_HOME when set. This tool reads its `channels.telephony` section from there.
 */
import os from 'node:os';
import path from 'node:path';
import { commandPrefix, insideOpenClaw } from '../command-prefix.js';

const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

function openclawHome(env: NodeJS.ProcessEnv): string {
  return env.OPENCLAW_HOME?.trim() || os.homedir();
}

function expandHome(input: string, env: NodeJS.ProcessEnv): string {
  return path.resolve(input.replace(/^~(?=$|[\\/])/, () => openclawHome(env)));
}

/** OpenClaw's state folder for this environment. */
export function openclawStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.OPENCLAW_STATE_DIR?.trim();
  if (override) return expandHome(override, env);
  const profile = env.OPENCLAW_PROFILE?.trim();
  const named = profile && profile.toLowerCase() !== 'default' && PROFILE_NAME.test(profile);
  return path.join(openclawHome(env), named ? `.openclaw-${profile}` : '.openclaw');
}

/** The OpenClaw configuration file for this environment (it may not exist). */
export function openclawConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.OPENCLAW_CONFIG_PATH?.trim();
  return override ? expandHome(override, env) : path.join(openclawStateDir(env), 'openclaw.json');
}

/**
 * How to create a configuration, as a hint: inside OpenClaw, the `channels.telephony` section of
 * OpenClaw's own openclaw.json (where an OpenClaw operator looks); standalone, `config init`.
 */
export function createConfigHint(): string {
  const init = '`' + commandPrefix() + ' config init`';
  return insideOpenClaw()
    ? `Add a channels.telephony section to OpenClaw's ${openclawConfigPath()} (or write a project file with ${init}).`
    : `Create one with ${init}.`;
}
