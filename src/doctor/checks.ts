/**
 * The checks `doctor` runs. Each returns pass, warn or fail with a fix; later capabilities add
 * theirs (tunnel, webhook URL, number configuration) to `DOCTOR_CHECKS`.
 */
import { ExitCode } from '../errors.js';
import type { ConfigResolution } from '../config/resolve.js';
import { resolveConfig } from '../config/resolve.js';
import { type ResolvedCredentials, resolveCredentials } from '../secrets/credentials.js';
import { keychainAccount, type SecretStore } from '../secrets/keychain.js';
import { openStore } from '../store/open-store.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
  /** The exit code doctor uses when this check fails. */
  exitCode?: number;
}

export interface DoctorInput {
  configFile?: string;
  profile?: string;
  keychain: SecretStore;
  nodeVersion?: string;
}

/** Facts gathered once and shared by the checks. */
interface DoctorState {
  input: DoctorInput;
  resolution?: ConfigResolution;
  credentials?: ResolvedCredentials;
}

type Check = (state: DoctorState) => Promise<CheckResult>;

const MIN_NODE = [20, 18];

const nodeCheck: Check = async ({ input }) => {
  const version = input.nodeVersion ?? process.versions.node;
  const [major, minor] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { name: 'node', status: 'pass', detail: `Node ${version}` }
    : { name: 'node', status: 'fail', detail: `Node ${version} is too old`, fix: 'Install Node 20.18 or newer (22 or 24 LTS are fine).', exitCode: ExitCode.unexpected };
};

const configCheck: Check = async (state) => {
  try {
    state.resolution = await resolveConfig({ configFile: state.input.configFile, profile: state.input.profile, tolerateErrors: true });
  } catch (err) {
    return { name: 'config', status: 'fail', detail: (err as Error).message, fix: (err as { hint?: string }).hint, exitCode: ExitCode.config };
  }
  const { file, problems } = state.resolution;
  const errors = problems.filter((p) => p.severity === 'error');
  if (!file) return { name: 'config', status: 'warn', detail: 'no configuration file found; defaults and environment apply', fix: 'Create one with `openclaw telephony config init`.' };
  if (errors.length)
    return { name: 'config', status: 'fail', detail: `${file.filepath}: ${errors.length} error(s), first: ${errors[0].path}: ${errors[0].message}`, fix: 'Run `openclaw telephony config validate` for every error and its fix.', exitCode: ExitCode.config };
  const warnings = problems.filter((p) => p.severity === 'warning');
  if (warnings.length) return { name: 'config', status: 'warn', detail: `${file.filepath}: ${warnings[0].message}`, fix: warnings[0].hint };
  return { name: 'config', status: 'pass', detail: `${file.filepath} is valid` };
};

const credentialStoreCheck: Check = async ({ input }) => {
  try {
    await input.keychain.get(keychainAccount('doctor', 'probe'));
    return { name: 'credential-store', status: 'pass', detail: 'the OS credential store is reachable' };
  } catch (err) {
    return { name: 'credential-store', status: 'warn', detail: (err as Error).message, fix: (err as { hint?: string }).hint };
  }
};

const credentialsCheck: Check = async (state) => {
  if (!state.resolution) return { name: 'credentials', status: 'fail', detail: 'skipped: the configuration did not load', exitCode: ExitCode.credentials };
  state.credentials = await resolveCredentials(state.resolution, state.input.keychain);
  const by = (key: string) => state.credentials!.statuses.find((s) => s.key === key)!;
  const sid = by('twilio.accountSid');
  const token = by('twilio.authToken');
  const apiSecret = by('twilio.apiSecret');
  if (!sid.set || !(token.set || apiSecret.set)) {
    return {
      name: 'credentials',
      status: 'warn',
      detail: 'no Twilio credentials (the sandbox needs none)',
      fix: 'Run `openclaw telephony auth login`, or set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.',
    };
  }
  const secret = token.set ? token : apiSecret;
  const status = secret.source === 'file' || secret.source === 'profile' ? 'warn' : 'pass';
  return {
    name: 'credentials',
    status,
    detail: `account SID from ${sid.source}, ${secret.key} from ${secret.source}`,
    fix: status === 'warn' ? 'Move the secret out of the config file: `openclaw telephony auth login`.' : undefined,
  };
};

const storeCheck: Check = async ({ resolution }) => {
  if (!resolution) return { name: 'store', status: 'fail', detail: 'skipped: the configuration did not load', exitCode: ExitCode.config };
  try {
    const store = await openStore(resolution.config.store.url);
    const where = store.location;
    await store.close();
    return { name: 'store', status: 'pass', detail: `${where} opens and is migrated` };
  } catch (err) {
    return { name: 'store', status: 'fail', detail: (err as Error).message, fix: (err as { hint?: string }).hint, exitCode: ExitCode.config };
  }
};

export const DOCTOR_CHECKS: Check[] = [nodeCheck, configCheck, credentialStoreCheck, credentialsCheck, storeCheck];

export async function runDoctor(input: DoctorInput): Promise<CheckResult[]> {
  const state: DoctorState = { input };
  const results: CheckResult[] = [];
  for (const check of DOCTOR_CHECKS) results.push(await check(state));
  return results;
}
