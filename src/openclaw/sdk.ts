/**
 * The part of OpenClaw's plugin SDK this plugin uses, as declared by OpenClaw 2026.9.6
 * (dist/plugin-sdk/*.d.ts: plugin-entry, channel-core, channel-inbound, and the types they re-export).
 * The `openclaw` package needs Node >= 24.16 and is not a dependency of this package (OpenClaw
 * supplies it to its plugins at run time), so the few types are written out here; the OpenClaw tests
 * check them against the real host.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
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

/** OpenClawConfig: the parsed openclaw.json (only `channels` is read here). */
export interface OpenClawConfig {
  channels?: Record<string, unknown>;
  [key: string]: unknown;
}

/** OpenClawPluginHttpRouteParams: a route on the Gateway's HTTP server. */
export interface PluginHttpRoute {
  path: string;
  /** "plugin": the plugin authenticates (here: Twilio's signature); "gateway": the Gateway's credentials. */
  auth: 'gateway' | 'plugin';
  match?: 'exact' | 'prefix';
  /** Returns true when it answered the request. */
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<boolean | void> | boolean | void;
}

/** PluginRuntime["channel"]["pairing"]: OpenClaw's DM pairing store (`openclaw pairing list|approve`). */
export interface PairingRuntime {
  readAllowFromStore(params: { channel: string; accountId: string }): Promise<string[]>;
  upsertPairingRequest(params: { channel: string; id: string; accountId: string; meta?: Record<string, string> }): Promise<{ code: string; created: boolean }>;
}

/** The members of PluginRuntime used here (`api.runtime`). */
export interface PluginRuntime {
  channel: { pairing: PairingRuntime; [key: string]: unknown };
  [key: string]: unknown;
}

/** The members of OpenClawPluginApi used here. */
export interface PluginApi {
  id: string;
  registrationMode: PluginRegistrationMode;
  config: OpenClawConfig;
  logger: PluginLogger;
  runtime: PluginRuntime;
  registerCli: (registrar: (ctx: PluginCliContext) => void | Promise<void>, opts?: { descriptors?: readonly PluginCliCommandDescriptor[] }) => void;
  registerHttpRoute: (route: PluginHttpRoute) => void;
}

/** ChannelAccountSnapshot: what `openclaw channels status` shows of an account. */
export interface ChannelAccountSnapshot {
  accountId: string;
  enabled?: boolean;
  configured?: boolean;
  running?: boolean;
  lifecycle?: 'starting' | 'ready' | 'recovering' | 'blocked' | 'stopped';
  lastError?: string | null;
  lastStartAt?: number | null;
  lastStopAt?: number | null;
  lastInboundAt?: number | null;
  lastOutboundAt?: number | null;
  mode?: string;
  dmPolicy?: string;
  [key: string]: unknown;
}

/** ChannelGatewayContext: what `gateway.startAccount` gets; it runs until abortSignal fires. */
export interface ChannelGatewayContext<Account> {
  cfg: OpenClawConfig;
  accountId: string;
  account: Account;
  abortSignal: AbortSignal;
  log?: { info?: (m: string) => void; warn?: (m: string) => void; error?: (m: string) => void };
  getStatus(): ChannelAccountSnapshot;
  setStatus(next: ChannelAccountSnapshot): void;
}

/** ChannelOutboundContext, the fields read here (`openclaw message send`, the agent's message tool). */
export interface ChannelOutboundContext {
  cfg: OpenClawConfig;
  to: string;
  text: string;
  /** sendMedia: the one attachment of this send, a URL or a local path. */
  mediaUrl?: string;
  /** OpenClaw's media policy for this send: the folders it may read files from, or "any". */
  mediaAccess?: { localRoots?: readonly string[] | 'any' };
  mediaLocalRoots?: readonly string[] | 'any';
  accountId?: string | null;
  /** OpenClaw's durable intent id: the same on a retry of the same send. */
  deliveryQueueId?: string;
  deliveryPartIndex?: number;
}

/** MessageReceipt: the platform messages one send became (here: Twilio's SIDs, one per SMS/MMS). */
export interface MessageReceipt {
  primaryPlatformMessageId?: string;
  platformMessageIds: string[];
  parts: { platformMessageId: string; kind: 'text' | 'media'; index: number }[];
  sentAt: number;
}

/** ChannelMessageSendResult */
export interface MessageSendResult {
  receipt: MessageReceipt;
  messageId?: string;
}

/** ChannelMessageUnknownSendContext: a queued delivery whose outcome OpenClaw does not know (after a crash). */
export interface ChannelMessageUnknownSendContext {
  cfg: OpenClawConfig;
  queueId: string;
  channel: string;
  to: string;
  payloads: readonly OutboundReplyPayload[];
  [key: string]: unknown;
}

/** ChannelMessageUnknownSendReconciliationResult */
export type UnknownSendVerdict = { status: 'sent'; receipt: MessageReceipt; messageId?: string } | { status: 'not_sent' } | { status: 'unresolved'; error?: string; retryable?: boolean };

/** ChannelMessageAdapterShape, the parts used here: durable final delivery and its send methods. */
export interface ChannelMessageAdapter {
  id?: string;
  durableFinal?: {
    capabilities?: Partial<Record<'text' | 'media' | 'reconcileUnknownSend', boolean>>;
    automaticUnknownSendReconciliation?: boolean;
    reconcileUnknownSendKinds?: Partial<Record<'text' | 'media', boolean>>;
    reconcileUnknownSend?(ctx: ChannelMessageUnknownSendContext): Promise<UnknownSendVerdict>;
  };
  send?: {
    text?(ctx: ChannelOutboundContext): Promise<MessageSendResult>;
    media?(ctx: ChannelOutboundContext): Promise<MessageSendResult>;
  };
}

/** OutboundReplyPayload: one piece of the agent's answer handed to the channel. */
export interface OutboundReplyPayload {
  text?: string;
  mediaUrl?: string;
  mediaUrls?: string[];
  [key: string]: unknown;
}

/** ChannelDoctorAdapter (channels/plugins/types.adapters), the hooks this channel fills in. */
export interface ChannelDoctorAdapter {
  /** `openclaw doctor` without --fix: lines for its "Doctor warnings" note. */
  collectPreviewWarnings?(params: { cfg: OpenClawConfig; doctorFixCommand: string; env?: NodeJS.ProcessEnv }): string[] | Promise<string[]>;
  /** `openclaw doctor --fix`: the config (changed or not), what changed, and warnings. */
  repairConfig?(params: { cfg: OpenClawConfig; doctorFixCommand: string; env?: NodeJS.ProcessEnv }): Promise<{ config: OpenClawConfig; changes: string[]; warnings?: string[] }>;
}

/** The slice of ChannelPlugin (channels/plugins/types.plugin) this channel fills in. */
export interface ChannelPlugin<Account> {
  id: string;
  meta?: Record<string, unknown>;
  capabilities?: { chatTypes: readonly string[]; media?: boolean };
  config: {
    listAccountIds(cfg: OpenClawConfig): string[];
    resolveAccount(cfg: OpenClawConfig, accountId?: string | null): Account;
    defaultAccountId?(cfg: OpenClawConfig): string;
    isEnabled?(account: Account, cfg: OpenClawConfig): boolean;
    isConfigured?(account: Account, cfg: OpenClawConfig): boolean | Promise<boolean>;
    inspectAccount?(cfg: OpenClawConfig, accountId?: string | null): Record<string, unknown>;
    describeAccount?(account: Account, cfg: OpenClawConfig): ChannelAccountSnapshot;
  };
  messaging?: {
    normalizeTarget?(raw: string): string | undefined;
    inferTargetChatType?(params: { to: string }): 'direct' | undefined;
    targetResolver?: { looksLikeId?(raw: string): boolean; hint?: string };
  };
  pairing?: {
    idLabel: string;
    normalizeAllowEntry?(entry: string): string;
    notifyApproval?(params: { cfg: OpenClawConfig; id: string; accountId?: string }): Promise<void>;
  };
  doctor?: ChannelDoctorAdapter;
  gateway?: { startAccount?(ctx: ChannelGatewayContext<Account>): Promise<unknown> };
  outbound?: {
    deliveryMode: 'direct' | 'gateway' | 'hybrid';
    textChunkLimit?: number;
    sendText?(ctx: ChannelOutboundContext): Promise<{ channel: string; messageId: string; [key: string]: unknown }>;
    sendMedia?(ctx: ChannelOutboundContext): Promise<{ channel: string; messageId: string; [key: string]: unknown }>;
  };
  message?: ChannelMessageAdapter;
  /** ChannelStatusAdapter: `channels status --probe` runs probeAccount in the Gateway; its result is the snapshot's `probe`. */
  status?: {
    probeAccount?(params: { account: Account; timeoutMs: number; cfg: OpenClawConfig }): Promise<{ ok: boolean; error?: string }>;
    buildAccountSnapshot?(params: { account: Account; cfg: OpenClawConfig; runtime?: ChannelAccountSnapshot }): ChannelAccountSnapshot | Promise<ChannelAccountSnapshot>;
    collectStatusIssues?(accounts: ChannelAccountSnapshot[]): { channel: string; accountId: string; kind: 'intent' | 'permissions' | 'config' | 'auth' | 'runtime'; message: string; fix?: string }[];
  };
}

/** ChannelInboundMediaInput: one attachment of an inbound message (plugin-sdk/channel-inbound). */
export interface InboundMediaFact {
  path?: string;
  url?: string;
  contentType?: string;
  messageId?: string;
}

/** DispatchInboundDirectDmParams (channels/direct-dm), the fields this channel sets. */
export interface DirectDmDispatch {
  cfg: OpenClawConfig;
  runtime: PluginRuntime;
  channel: string;
  channelLabel: string;
  accountId: string;
  peer: { kind: 'direct'; id: string };
  senderId: string;
  senderAddress: string;
  recipientAddress: string;
  conversationLabel: string;
  rawBody: string;
  messageId: string;
  timestamp?: number;
  commandAuthorized?: boolean;
  /** Set only after the channel's own sender/pairing guard admitted the sender. */
  inboundAccessAuthorized?: boolean;
  /** Merged into the inbound context: `media` carries the attachments (InboundMediaFacts). */
  extraContext?: { media?: InboundMediaFact[] };
  deliver(payload: OutboundReplyPayload): Promise<void>;
  onRecordError(err: unknown): void;
  onDispatchError(err: unknown, info: { kind: string }): void;
}
