/**
 * The part of OpenClaw's plugin SDK this plugin uses, as declared by `openclaw/plugin-sdk/plugin-entry`
 * (OpenClaw 2026.9.6, dist/plugin-sdk/plugin-entry.d.ts). The `openclaw` package needs Node >= 24.16 and
 * is not a dependency of this package (OpenClaw supplies it to its plugins at run time), so the few
 * types are written out here; the OpenClaw tests check them against the real host.
 */
import type { Command } from 'commander';

/** `api.registrationMode`: how OpenClaw loaded the plugin (docs/plugins/sdk-entrypoints/registration-mode.md). */
export type PluginRegistrationMode = 'full' | 'discovery' | 'tool-discovery' | 'setup-only' | 'setup-runtime' | 'cli-metadata';

export interface PluginLogger {
  debug?: (message: string) => void;
  info: (message: string) => void;
  warn: (message: string) => void;
  error: (message: string) => void;
}

/** OpenClawPluginCliContext */
export interface PluginCliContext {
  /** The root `openclaw` program (a Command of OpenClaw's own commander). */
  program: Command;
  parentPath: readonly string[];
  config: Record<string, unknown>;
  workspaceDir?: string;
  logger: PluginLogger;
}

/** OpenClawPluginCliCommandDescriptor */
export interface PluginCliCommandDescriptor {
  name: string;
  description: string;
  hasSubcommands: boolean;
}

/** The members of OpenClawPluginApi used here. */
export interface PluginApi {
  id: string;
  registrationMode: PluginRegistrationMode;
  config: Record<string, unknown>;
  logger: PluginLogger;
  registerCli: (registrar: (ctx: PluginCliContext) => void | Promise<void>, opts?: { descriptors?: readonly PluginCliCommandDescriptor[] }) => void;
}
