/** Platform folders (env-paths): %APPDATA%\openclaw\Config on Windows, ~/.config/openclaw on Linux. */
import envPaths from 'env-paths';
import path from 'node:path';

export interface AppPaths {
  configDir: string;
  dataDir: string;
}

export function resolveAppPaths(env: NodeJS.ProcessEnv = process.env): AppPaths {
  // env-paths reads XDG_* from process.env at call time; tests point them at temporary folders.
  const p = envPaths('openclaw', { suffix: '' });
  return {
    configDir: env.OPENCLAW_TELEPHONY_CONFIG_DIR ?? p.config,
    dataDir: env.OPENCLAW_TELEPHONY_DATA_DIR ?? p.data,
  };
}

export function defaultSqlitePath(paths: AppPaths): string {
  return path.join(paths.dataDir, 'telephony.sqlite');
}

/** Where compiled code is cached (src/cli/cached-bundle.ts): ~/.cache/openclaw/telephony, %LOCALAPPDATA%\openclaw\Cache\telephony. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OPENCLAW_TELEPHONY_CACHE_DIR ?? path.join(envPaths('openclaw', { suffix: '' }).cache, 'telephony');
}
