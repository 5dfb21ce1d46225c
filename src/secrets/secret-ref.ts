/**
 * OpenClaw SecretRefs in the configuration: a secret leaf (e.g. `twilio.authToken`) may be
 * `{ source: "env", provider: "default", id: "TWILIO_AUTH_TOKEN" }` instead of a value, as OpenClaw's
 * official SMS plugin accepts (OpenClaw docs: reference/secretref-credential-surface.md). `env` refs are
 * resolved here, from this process's environment; `file`, `exec` and `store` refs name providers that
 * only OpenClaw's secrets runtime can open, so they are reported instead of guessed.
 */
export interface SecretRef {
  source: 'env' | 'file' | 'exec' | 'store';
  provider: string;
  id: string;
}

const SOURCES = new Set(['env', 'file', 'exec', 'store']);

export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.source === 'string' && SOURCES.has(v.source) && typeof v.provider === 'string' && v.provider !== '' && typeof v.id === 'string' && v.id !== '' && Object.keys(v).length === 3;
}

/** `env:default:TWILIO_AUTH_TOKEN`: names the reference, never the secret. */
export function describeSecretRef(ref: SecretRef): string {
  return `${ref.source}:${ref.provider}:${ref.id}`;
}

export type SecretRefResolution = { value: string } | { value?: undefined; problem: { message: string; hint: string } };

export function resolveSecretRef(ref: SecretRef, env: NodeJS.ProcessEnv): SecretRefResolution {
  if (ref.source !== 'env' || ref.provider !== 'default') {
    return {
      problem: {
        message: `the SecretRef ${describeSecretRef(ref)} needs OpenClaw's secrets runtime, which this command cannot reach`,
        hint: `Use { source: "env", provider: "default", id: "<VARIABLE>" } with the variable set where this runs, or keep the secret in the OS credential store.`,
      },
    };
  }
  const value = env[ref.id];
  if (!value) {
    return { problem: { message: `the SecretRef ${describeSecretRef(ref)} names the environment variable ${ref.id}, which is not set`, hint: `Set ${ref.id} where this command and the Gateway run.` } };
  }
  return { value };
}
