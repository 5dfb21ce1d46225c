/**
 * The modules of `openclaw/plugin-sdk` this plugin imports (OpenClaw resolves them for its plugins at
 * run time). An ambient module cannot name sdk.ts, so the parameters are generic here and the call
 * sites check them against sdk.ts with `satisfies`.
 */
declare module 'openclaw/plugin-sdk/plugin-entry' {
  export function definePluginEntry<T extends { id: string; name: string; description: string }>(entry: T): T;
}

declare module 'openclaw/plugin-sdk/channel-core' {
  /** Calls api.registerChannel({ plugin }) and the callbacks that fit the registration mode. */
  export function defineChannelPluginEntry<E extends { id: string; name: string; description: string; plugin: object }>(entry: E): { id: string; name: string; description: string; register(api: unknown): void };
}

declare module 'openclaw/plugin-sdk/channel-inbound' {
  /** One direct message to OpenClaw's agent, through its routing, session and reply pipeline (DispatchInboundDirectDmParams). */
  export function dispatchInboundDirectDmWithRuntime<P extends object>(params: P): Promise<unknown>;
  /** Normalizes a channel's attachment records into the ordered facts of the context's `media`. */
  export function toInboundMediaFacts<F extends object>(media: readonly F[]): F[];
}

declare module 'openclaw/plugin-sdk/media-local-roots' {
  /** The folders OpenClaw's media policy lets an agent's sends read (its state media folders, the agent's workspace). */
  export function getAgentScopedMediaLocalRoots(cfg: object, agentId?: string, sessionWorkspaceDir?: string): string[];
}
