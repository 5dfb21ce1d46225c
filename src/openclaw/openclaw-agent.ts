/**
 * The agent inside OpenClaw's Gateway: a text admitted by this channel's pipeline (signature,
 * de-duplication, opt-outs, pairing, allowlist) goes to OpenClaw's own agent through the SDK's inbound
 * dispatch (routing, session, transcript, model), and what the agent answers comes back as the turn's
 * reply. The reply then leaves like any reply of serve: in the TwiML answer, or later through the
 * REST API under an idempotency key, exactly once.
 */
import path from 'node:path';
import { dispatchInboundDirectDmWithRuntime, toInboundMediaFacts } from 'openclaw/plugin-sdk/channel-inbound';
import type { Agent, Reply, Turn } from '../agent/agent.js';
import { openclawStateDir } from '../config/openclaw-config.js';
import { createDeliveredReply, inboundBody, inboundMediaFacts } from './agent-turn-parts.js';
import { CHANNEL_ID, channelAddress } from './channel-id.js';
import type { DirectDmDispatch, OpenClawConfig, PluginRuntime } from './sdk.js';

export interface OpenClawAgentOptions {
  cfg: OpenClawConfig;
  runtime: PluginRuntime;
  accountId: string;
  warn(message: string): void;
}

export function createOpenClawAgent(o: OpenClawAgentOptions): Agent {
  const abandons = new Set<(err: Error) => void>();
  const dispatch = async (turn: Turn): Promise<Reply> => {
    const delivered = createDeliveredReply();
    let failure: unknown;
    const params: DirectDmDispatch = {
      cfg: o.cfg,
      runtime: o.runtime,
      channel: CHANNEL_ID,
      channelLabel: 'SMS',
      accountId: o.accountId,
      peer: { kind: 'direct', id: turn.from },
      senderId: turn.from,
      senderAddress: channelAddress(turn.from),
      recipientAddress: channelAddress(turn.to),
      conversationLabel: turn.from,
      // Notices of attachments the agent does not get stay in the text, to be passed on to the texter.
      rawBody: inboundBody(turn),
      // The fetched attachments go as OpenClaw's media facts; their files are removed when the turn ends.
      extraContext: { media: toInboundMediaFacts(inboundMediaFacts(turn)) },
      messageId: turn.messageSid ?? '',
      timestamp: Date.now(),
      // Texts never run OpenClaw's slash commands: a phone number is not an operator.
      commandAuthorized: false,
      inboundAccessAuthorized: true,
      deliver: async (payload) => delivered.add(payload),
      onRecordError: (err) => o.warn(`recording the inbound text in OpenClaw's session failed: ${(err as Error).message}`),
      onDispatchError: (err) => (failure ??= err),
    };
    await dispatchInboundDirectDmWithRuntime(params);
    if (failure && delivered.empty) throw failure instanceof Error ? failure : new Error(String(failure));
    return delivered.reply();
  };
  return {
    kind: 'openclaw',
    // OpenClaw copies a local file its agent attaches, once its media policy let it, into its own
    // media folder (`<state dir>/media/outbound`): the answer names that copy.
    mediaRoots: [path.join(openclawStateDir(), 'media', 'outbound')],
    turn(turn) {
      // OpenClaw's dispatch takes no signal: on shutdown the turn is abandoned here (its reply, if it comes, is dropped).
      return new Promise<Reply>((resolve, reject) => {
        abandons.add(reject);
        dispatch(turn)
          .then(resolve, reject)
          .finally(() => abandons.delete(reject));
      });
    },
    running: () => abandons.size,
    async close() {
      for (const abandon of abandons) abandon(new Error('the Gateway stopped the telephony channel before the agent answered'));
      abandons.clear();
    },
  };
}
