/**
 * The channel's doctor adapter: the hooks OpenClaw's `openclaw doctor` calls for a configured channel
 * (src/commands/doctor/shared/channel-doctor.ts in OpenClaw): collectPreviewWarnings when it only
 * reports (`doctor`, `doctor --non-interactive`), repairConfig under `doctor --fix`. Both say the same;
 * repairConfig changes nothing (what is wrong here needs the operator: a number, a token, a URL). The
 * checks load only when doctor asks. OpenClaw 2026.9.6 reads these hooks only from a plugin's setup
 * entry, which this package does not ship (see scripts/bundle.mjs: OpenClaw copies a setup entry's
 * package and its dependencies on every command), so there they are carried by the full entry only.
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
