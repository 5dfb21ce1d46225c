/**
 * The environment a command agent runs with. The agent reads texts from strangers, so it gets only
 * what a program needs to start (the search path, the home and temp folders, the locale, and on
 * Windows the system folders a runtime expects) plus the names the operator lists in `agent.env`.
 * Twilio, OpenClaw and ngrok variables never reach it, even when listed.
 */
import { ConfigError } from '../errors.js';

const BASE_NAMES = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'TMP', 'TEMP'];
const WINDOWS_NAMES = ['USERPROFILE', 'HOMEDRIVE', 'HOMEPATH', 'SYSTEMROOT', 'SYSTEMDRIVE', 'WINDIR', 'COMSPEC', 'PATHEXT', 'USERNAME'];
/** Secrets of this tool live under these prefixes. */
export const NEVER_TO_AGENT = /^(TWILIO_|OPENCLAW_|NGROK_)/i;

/**
 * The parent's environment less this tool's secrets, for a trusted helper program (the tailscale CLI)
 * that needs its own variables (socket paths, TS_*) but never our Twilio, OpenClaw or ngrok ones.
 */
export function withoutOurSecrets(parent: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(parent).filter(([name]) => !NEVER_TO_AGENT.test(name)));
}

/** Refuses an `agent.env` list that names one of our own secrets' variables. */
export function checkAgentEnvNames(names: readonly string[]): void {
  const refused = names.filter((n) => NEVER_TO_AGENT.test(n));
  if (refused.length) {
    throw new ConfigError(
      `agent.env names ${refused.join(', ')}: the agent reads texts from strangers and never gets Twilio, OpenClaw or ngrok variables.`,
      'Remove them from agent.env; give the agent its own credentials under other names.',
    );
  }
}

export function agentEnvironment(parent: NodeJS.ProcessEnv, extraNames: readonly string[] = [], platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const windows = platform === 'win32';
  const wanted = new Set([...BASE_NAMES, ...(windows ? WINDOWS_NAMES : []), ...extraNames].map((n) => (windows ? n.toUpperCase() : n)));
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined || NEVER_TO_AGENT.test(name)) continue;
    // Windows names are case-insensitive (Path, SystemRoot, ComSpec).
    const key = windows ? name.toUpperCase() : name;
    if (wanted.has(key) || name.startsWith('LC_')) env[name] = value;
  }
  return env;
}
