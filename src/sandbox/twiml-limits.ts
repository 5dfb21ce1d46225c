/**
 * How many TwiML documents one conversation may fetch by redirecting, the same rule for texts and calls.
 * Twilio documents the messaging limit (warning 14106: "The limit is 50" documents per Message reply
 * session); for calls it ends a redirect loop with error 11215 ("redirected too many times and may be
 * in a loop"). Without a cap a self-redirecting Url is fetched thousands of times a second.
 */
export const MAX_TWIML_DOCUMENTS = 50;

export const MESSAGING_DOCUMENT_LIMIT = {
  code: 14106,
  message: `Document retrieval limit reached: the reply session requested more than ${MAX_TWIML_DOCUMENTS} TwiML documents (a <Redirect> loop?)`,
};

export const VOICE_REDIRECT_LIMIT = {
  code: 11215,
  message: `Too many redirects: the call fetched more than ${MAX_TWIML_DOCUMENTS} TwiML documents through <Redirect> and may be in a loop`,
};
