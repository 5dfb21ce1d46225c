/** doctor's `environment` check: OPENCLAW_TELEPHONY_* variables this tool does not read (src/config/env-names.ts). */
import { unknownEnvNames, unknownEnvWarning } from '../config/env-names.js';
import type { Check } from './checks.js';

export const envNamesCheck: Check = async () => {
  const unknown = unknownEnvNames();
  if (!unknown.length) return { name: 'environment', status: 'pass', detail: 'every OPENCLAW_TELEPHONY_* variable set is one this tool reads' };
  const first = unknownEnvWarning(unknown[0]);
  const more = unknown.length > 1 ? ` (and ${unknown.length - 1} more: ${unknown.slice(1).map((u) => u.name).join(', ')})` : '';
  return { name: 'environment', status: 'warn', detail: first.message + more, fix: first.hint, fields: { unknownVariables: unknown } };
};
