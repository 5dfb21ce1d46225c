/** The channel's id in OpenClaw (`--channel telephony`, `channels.telephony`), and how it addresses a number. */
export const CHANNEL_ID = 'telephony';

/** A phone number as OpenClaw addresses it on this channel (OriginatingTo, `--target`). */
export const channelAddress = (phone: string) => `${CHANNEL_ID}:${phone}`;
