/**
 * The schema of `channels.telephony`: the single source of truth for validation, defaults,
 * environment overrides, `config show`, `config set` and the completion of config keys.
 */

import { STORE_URL_FORMS } from '../store/store-url.js';

export type LeafKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'e164' | 'e164List' | 'stringList' | 'url' | 'sid' | 'storeUrl' | 'command';

export interface LeafSpec {
  kind: LeafKind;
  description: string;
  default?: unknown;
  /** Allowed values of an enum. */
  values?: readonly string[];
  /** An e164List that may also hold "*" (everyone). */
  wildcard?: boolean;
  /** Two-letter prefix of a Twilio SID (AC, MG, SK). */
  sidPrefix?: string;
  min?: number;
  max?: number;
  /** Kept in the OS credential store; redacted everywhere; warned about when written in a file. */
  secret?: boolean;
  /** Resolved like a credential: flag, env, keychain, config. */
  credential?: boolean;
  /** Well-known environment variables (besides OPENCLAW_TELEPHONY_<KEY>). */
  env?: readonly string[];
  /** Never unset once resolved: `resolveConfig` computes the default (e.g. a path in the data folder). */
  computedDefault?: boolean;
  /** What to do about a value that does not fit, when more can be said than the expected form. */
  hint?: string;
}

export interface GroupSpec {
  kind: 'group';
  description: string;
  children: Record<string, NodeSpec>;
}

export type NodeSpec = LeafSpec | GroupSpec;

// `const` keeps each leaf's literal kind, enum values and default, so `ResolvedConfig` is derived from them.
const group = <const C extends Record<string, NodeSpec>>(description: string, children: C) => ({ kind: 'group' as const, description, children });

export const TELEPHONY_SCHEMA = group('channels.telephony', {
  enabled: { kind: 'boolean', default: true, description: 'Turn the telephony channel on or off: when false, serve does not start (one-off commands such as send still work).' },
  provider: {
    kind: 'enum',
    values: ['twilio'],
    default: 'twilio',
    description: 'The telephony provider: Twilio, the only one this plugin speaks. A file written for another provider is refused instead of sending through Twilio.',
    hint: 'This plugin speaks Twilio only: set provider to "twilio" (or leave it out). Another provider needs another plugin.',
  },
  fromNumber: { kind: 'e164', env: ['TWILIO_PHONE_NUMBER'], description: 'Default sender number in E.164, e.g. +15550001234.' },
  inboundPolicy: {
    kind: 'enum',
    values: ['disabled', 'allowlist', 'pairing', 'open'],
    default: 'pairing',
    description: 'Who may talk to the agent.',
  },
  allowFrom: {
    kind: 'e164List',
    wildcard: true,
    default: [],
    description: 'Numbers always allowed to talk to the agent (E.164); ["*"] with inboundPolicy "open" confirms a number open to everyone.',
  },
  twilio: group('Twilio account and API settings', {
    accountSid: { kind: 'sid', sidPrefix: 'AC', credential: true, env: ['TWILIO_ACCOUNT_SID'], description: 'Account SID (AC + 32 hex).' },
    authToken: { kind: 'string', secret: true, credential: true, env: ['TWILIO_AUTH_TOKEN'], description: 'Auth Token: keep it in the credential store (`auth login`).' },
    messagingServiceSid: {
      kind: 'sid',
      sidPrefix: 'MG',
      env: ['TWILIO_MESSAGING_SERVICE_SID'],
      description: 'Messaging Service SID; wins over fromNumber for outbound messages.',
    },
    apiKey: { kind: 'sid', sidPrefix: 'SK', credential: true, env: ['TWILIO_API_KEY'], description: 'API key SID (SK...), used with apiSecret instead of the Auth Token.' },
    apiSecret: { kind: 'string', secret: true, credential: true, env: ['TWILIO_API_SECRET'], description: 'API key secret.' },
    region: { kind: 'string', description: 'Twilio region, e.g. ie1 or au1.' },
    edge: { kind: 'string', description: 'Twilio edge location, e.g. dublin or sydney.' },
    apiBaseUrl: {
      kind: 'url',
      env: ['OPENCLAW_TELEPHONY_SANDBOX_URL'],
      description: 'REST API base URL; point it at the local sandbox (default https://api.twilio.com).',
    },
  }),
  sms: group('Outbound SMS', {
    chunkMode: { kind: 'enum', values: ['auto', 'length', 'newline', 'off'], default: 'auto', description: 'How a long body is split.' },
    maxLength: { kind: 'integer', min: 1, max: 1600, default: 1600, description: 'Longest body sent as one message (characters).' },
    segmentNumbering: { kind: 'boolean', default: false, description: 'Add "(1/3)" markers to split messages.' },
    defaultCountry: { kind: 'string', description: 'Country (ISO code, e.g. US) for numbers written without +country code.' },
    senderType: {
      kind: 'enum',
      values: ['auto', 'longcode', 'tollfree', 'shortcode'],
      default: 'auto',
      description: "Sender kind for rate limits; auto reads it from the number's shape.",
    },
    rate: { kind: 'number', min: 0.01, max: 10000, description: 'Messages per second for the sender (default: 1 long code, 3 toll-free, 100 short code, 10 a Messaging Service).' },
    pricePerSegment: { kind: 'number', min: 0, max: 10, default: 0.0079, description: 'Estimated price of one outbound SMS segment (USD).' },
    pricePerMms: { kind: 'number', min: 0, max: 10, default: 0.02, description: 'Estimated price of one outbound MMS (USD).' },
    helpText: { kind: 'string', default: 'Reply STOP to unsubscribe. Msg & data rates may apply.', description: 'The answer to HELP.' },
    mediaTtlMinutes: {
      kind: 'integer',
      min: 1,
      max: 1440,
      default: 10,
      description: 'How long the URL of a local file sent as MMS works (Twilio fetches it within seconds of sending).',
    },
    plainText: { kind: 'boolean', default: true, description: "Turn the agent's Markdown replies into plain text (links as label (url), lists as lines)." },
  }),
  agent: group('The agent that answers texts', {
    kind: { kind: 'enum', values: ['http', 'command', 'echo'], description: 'http (POST to agent.url), command (run agent.command), or echo (the default with --sandbox).' },
    url: { kind: 'url', description: 'Where the http agent takes turns (e.g. the OpenClaw gateway).' },
    token: { kind: 'string', secret: true, credential: true, env: ['OPENCLAW_AGENT_TOKEN'], description: 'Bearer token for the http agent.' },
    command: {
      kind: 'command',
      description: 'Program run per turn with the turn as JSON on stdin; its stdout is the reply. A list (program, then its arguments) runs it directly; one string runs through the system shell.',
    },
    env: {
      kind: 'stringList',
      default: [],
      description: 'Environment variables the command agent gets besides PATH, home, temp and locale (never TWILIO_*, OPENCLAW_*, NGROK_*).',
    },
    mediaRoots: {
      kind: 'stringList',
      default: [],
      description: 'Folders an agent reply may attach local files from (none: an agent may attach https URLs only).',
    },
    replyTimeoutMs: { kind: 'integer', min: 100, max: 14000, default: 5000, description: 'Longer than this, the reply goes out through the REST API instead of the webhook answer.' },
    timeoutMs: { kind: 'integer', min: 1000, max: 600000, default: 60000, description: 'A turn that takes longer fails.' },
  }),
  inboundMedia: group("Inbound MMS media, fetched for admitted senders and handed to the agent as local files", {
    maxBytes: { kind: 'integer', min: 1024, max: 100 * 1024 * 1024, default: 5 * 1024 * 1024, description: "Most bytes of one text's media together (5 MiB as OpenClaw's SMS plugin); an item past it is not kept and the agent gets a notice." },
    timeoutMs: { kind: 'integer', min: 1000, max: 120000, default: 20000, description: "Time to download one text's media; what is not in by then is left out with a notice." },
  }),
  pairing: group('Pairing codes for unknown senders', {
    codeTtlMinutes: { kind: 'integer', min: 1, max: 1440, default: 60, description: 'How long a pairing code is valid.' },
    maxCodesPerHour: { kind: 'integer', min: 1, max: 10000, default: 20, description: 'Pairing codes sent per hour in all, against SMS pumping.' },
    maxPending: { kind: 'integer', min: 1, max: 1000, default: 3, description: 'Pairing requests waiting for the operator at once; more strangers get no code until one is decided or expires.' },
  }),
  outbound: group('Outbound actions', {
    approval: {
      kind: 'enum',
      values: ['none', 'first-contact', 'always'],
      default: 'none',
      description: 'Which sends wait for an operator: none, numbers never messaged before, or all.',
    },
    accountRate: {
      kind: 'number',
      min: 0.01,
      max: 10000,
      description:
        'Messages per second for the whole account, over all its senders and every process sharing the store (unset: only each sender\'s sms.rate). For a throughput shared by several numbers, such as a US A2P 10DLC campaign\'s.',
    },
    apiConcurrency: {
      kind: 'integer',
      min: 1,
      max: 1000,
      default: 20,
      description:
        "Twilio API requests in flight at once for the account, across every process sharing the store (Twilio answers 429 / 20429 past the account's concurrency limit).",
    },
  }),
  voice: group('Voice calls', {
    enabled: {
      kind: 'boolean',
      default: true,
      description: "Answer calls: serve answers at serve.voicePath by the inbound policy, and `numbers configure --to-serve` and `serve --configure-number` point the number's VoiceUrl there. false: every call is rejected unanswered (<Reject/>, not billed) and VoiceUrl is left as it is.",
    },
  }),
  serve: group('The webhook server', {
    port: { kind: 'integer', min: 0, max: 65535, default: 3335, description: 'Port to listen on.' },
    bind: { kind: 'string', default: '127.0.0.1', description: 'Address to listen on.' },
    path: { kind: 'string', default: '/telephony/webhook', description: 'Path of the inbound webhook for texts.' },
    voicePath: { kind: 'string', default: '/telephony/voice', description: 'Path of the inbound webhook for calls (the number\'s VoiceUrl).' },
    statusPath: { kind: 'string', default: '/telephony/status', description: 'Path of the status callbacks.' },
    mediaPath: { kind: 'string', default: '/telephony/media', description: 'Path under which local files sent as MMS are served to Twilio (random, expiring URLs).' },
    inboundLimits: group('Inbound rate limits of this serve instance, over a sliding window (0 turns one off)', {
      windowSeconds: { kind: 'integer', min: 1, max: 3600, default: 60, description: 'The window the limits below count over, in seconds.' },
      perSender: { kind: 'integer', min: 0, max: 1000000, default: 30, description: 'Texts one sender may have handled per window; more are stored as refused and not answered.' },
      total: { kind: 'integer', min: 0, max: 1000000, default: 300, description: 'Texts handled per window from all senders together; more are stored as refused and not answered.' },
      failedRequests: { kind: 'integer', min: 0, max: 1000000, default: 300, description: 'Failed webhook requests (bad signature, malformed, refused) per client address per window; more get 429 and no log line each.' },
      statusCallbacks: { kind: 'integer', min: 0, max: 1000000, default: 3000, description: 'Status callbacks handled per window; more get 429.' },
    }),
  }),
  tunnel: group('How Twilio reaches the server', {
    provider: { kind: 'enum', values: ['ngrok', 'tailscale-funnel', 'none'], default: 'none', description: 'Tunnel to open.' },
    ngrokAuthToken: { kind: 'string', secret: true, credential: true, env: ['NGROK_AUTHTOKEN'], description: 'ngrok auth token.' },
    ngrokDomain: { kind: 'string', description: 'Reserved ngrok domain.' },
  }),
  webhookSecurity: group('Webhook verification', {
    allowedHosts: { kind: 'stringList', default: [], description: 'Hosts accepted in webhook URLs.' },
    trustForwardingHeaders: { kind: 'boolean', default: false, description: 'Trust X-Forwarded-Host/Proto from trusted proxies.' },
    trustedProxies: { kind: 'stringList', default: [], description: 'Proxy addresses whose forwarding headers are trusted.' },
  }),
  publicUrl: { kind: 'url', description: 'The public URL Twilio uses to reach the server.' },
  skipSignatureVerification: {
    kind: 'boolean',
    default: false,
    description: 'Accept unsigned webhooks (only honoured on a loopback bind, for development).',
  },
  maxConcurrentSessions: { kind: 'integer', min: 1, max: 10000, default: 50, description: 'Most concurrent agent sessions.' },
  store: group('Where the tool keeps its state', {
    url: {
      kind: 'storeUrl',
      computedDefault: true,
      description: 'A SQLite file path or sqlite:PATH (default: telephony.sqlite in the data folder), or postgres://... for PostgreSQL.',
    },
    retentionDays: {
      kind: 'integer',
      min: 0,
      max: 3650,
      default: 30,
      description: 'Days message bodies are kept in the store (0: for ever); delivery states and SIDs stay.',
    },
  }),
});

/** The value type of one leaf, from its kind (and an enum's values). */
type LeafValue<L> = L extends { kind: 'enum'; values: readonly (infer V)[] }
  ? V
  : L extends { kind: 'integer' | 'number' }
    ? number
    : L extends { kind: 'boolean' }
      ? boolean
      : L extends { kind: 'e164List' | 'stringList' }
        ? readonly string[]
        : L extends { kind: 'command' }
          ? string | readonly string[]
          : string;

/** Groups, defaulted and computed leaves always have a value once resolved; the rest may be unset. */
type AlwaysSet<N> = N extends { kind: 'group' } ? true : N extends { default: unknown } ? true : N extends { computedDefault: true } ? true : false;
type ValueOf<N> = N extends { kind: 'group'; children: infer C } ? ConfigOf<C> : LeafValue<N>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The resolved (deeply read-only) configuration a group of the schema describes. */
export type ConfigOf<C> = Simplify<
  { readonly [K in keyof C as AlwaysSet<C[K]> extends true ? K : never]: ValueOf<C[K]> } & { readonly [K in keyof C as AlwaysSet<C[K]> extends true ? never : K]?: ValueOf<C[K]> }
>;

export interface LeafEntry {
  path: string;
  spec: LeafSpec;
}

/** Every leaf of the schema with its dotted path, in schema order. */
export function listLeaves(node: GroupSpec = TELEPHONY_SCHEMA, prefix = ''): LeafEntry[] {
  const out: LeafEntry[] = [];
  for (const [key, child] of Object.entries(node.children)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child.kind === 'group') out.push(...listLeaves(child, path));
    else out.push({ path, spec: child });
  }
  return out;
}

export function findLeaf(path: string): LeafSpec | undefined {
  return listLeaves().find((l) => l.path === path)?.spec;
}

/** `serve.port` -> `OPENCLAW_TELEPHONY_SERVE_PORT`. */
export function envNameFor(path: string): string {
  return 'OPENCLAW_TELEPHONY_' + path.split('.').map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/** Human description of what a leaf accepts, used in validation messages. */
export function describeExpected(spec: LeafSpec): string {
  switch (spec.kind) {
    case 'enum':
      return `one of ${spec.values!.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'e164':
      return 'a phone number in E.164 form, e.g. "+15550001234"';
    case 'e164List':
      return spec.wildcard ? 'a list of E.164 phone numbers, e.g. ["+15550001234"], or ["*"] for everyone' : 'a list of E.164 phone numbers, e.g. ["+15550001234"]';
    case 'stringList':
      return 'a list of strings';
    case 'command':
      return 'a list of the program and its arguments, e.g. ["python", "agent.py"] (run directly), or one command line, e.g. "python agent.py" (run by the system shell)';
    case 'sid':
      return `a Twilio SID: "${spec.sidPrefix}" followed by 32 hex characters`;
    case 'url':
      return 'an http(s) URL, e.g. "https://example.com"';
    case 'storeUrl':
      return STORE_URL_FORMS;
    case 'number':
      return `a number${spec.min !== undefined ? ` from ${spec.min}` : ''}${spec.max !== undefined ? ` to ${spec.max}` : ''}`;
    case 'integer':
      return `a whole number${spec.min !== undefined ? ` from ${spec.min}` : ''}${spec.max !== undefined ? ` to ${spec.max}` : ''}`;
    default:
      return `a ${spec.kind}`;
  }
}
