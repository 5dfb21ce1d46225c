/**
 * The channel's doctor adapter: the hooks OpenClaw 2026.9.6's `openclaw doctor` calls for a configured
 * channel. It finds them on the plugin of the package's setup entry (package.json `openclaw.setupEntry`:
 * doctor loads no plugin in full), through src/commands/doctor/shared/channel-doctor.ts:
 * collectPreviewWarnings when it only reports (`doctor`, `doctor --non-interactive`), repairConfig
 * under `doctor --fix`. Both say the same; repairConfig changes nothing (what is wrong here needs the
 * operator: a number, a token, a URL). The checks load only when doctor asks.
 */
import type { ChannelDoctorAdapter, OpenClawConfig } from './sdk.js';

async function findings(cfg: OpenClawConfig): Promise<string[]> {
  const { telephonyDoctorFindings } = await import('./doctor-findings.js');
  return telephonyDoctorFindings(cfg);
}

export const telephonyDoctor: ChannelDoctorAdapter = {
  collectPreviewWarnings: ({ cfg }) => findings(cfg),
  repairConfig: async ({ cfg }) => ({ config: cfg, changes: [], warnings: await findings(cfg) }),
};
