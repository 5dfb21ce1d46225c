/**
 * What TwiML the sandbox accepts for calls, with Twilio's attribute rules. A document with an unknown
 * verb, a noun in the wrong place or an attribute value Twilio would refuse fails the call (error
 * 12200, "an application error has occurred"); an unknown attribute name is only a warning, as Twilio's
 * schema validation reports it and carries on.
 */
import type { Problem } from '../notifications.js';
import { elementsOf, type XmlElement } from '../xml.js';
import { checkRelayNoun } from './relay/relay-twiml.js';

type Rule = RegExp | readonly string[];

interface VerbSpec {
  attributes: Record<string, Rule | null>;
  children?: readonly string[];
  /** Text content allowed (a URL, a number, speech). */
  text?: boolean;
}

const INT = /^\d+$/;
const BOOL = ['true', 'false'] as const;
const METHOD = ['GET', 'POST'] as const;
const URLISH = null;
const SSML = ['break', 'emphasis', 'lang', 'p', 'phoneme', 'prosody', 's', 'say-as', 'sub', 'w', 'amazon:effect', 'amazon:domain'];

export const VERBS: Record<string, VerbSpec> = {
  Say: { attributes: { voice: null, language: null, loop: INT }, children: SSML, text: true },
  Play: { attributes: { loop: INT, digits: /^[0-9wW*#]+$/ }, text: true },
  Pause: { attributes: { length: INT } },
  Gather: {
    attributes: {
      input: /^(dtmf|speech|dtmf speech|speech dtmf)$/, numDigits: /^[1-9]\d*$/, finishOnKey: /^[0-9#*]?$/, timeout: INT,
      speechTimeout: /^(auto|\d+)$/, action: URLISH, method: METHOD, actionOnEmptyResult: BOOL, partialResultCallback: URLISH,
      partialResultCallbackMethod: METHOD, hints: null, language: null, profanityFilter: BOOL, speechModel: null, enhanced: BOOL,
      bargeIn: BOOL, debug: BOOL, maxSpeechTime: INT,
    },
    children: ['Say', 'Play', 'Pause'],
  },
  Record: {
    attributes: {
      action: URLISH, method: METHOD, timeout: INT, finishOnKey: /^[0-9#*]*$/, maxLength: INT, playBeep: BOOL,
      trim: ['trim-silence', 'do-not-trim'], recordingStatusCallback: URLISH, recordingStatusCallbackMethod: METHOD,
      recordingStatusCallbackEvent: null, transcribe: BOOL, transcribeCallback: URLISH, recordingChannels: ['mono', 'dual'],
    },
  },
  Dial: {
    attributes: {
      action: URLISH, method: METHOD, timeout: INT, timeLimit: INT, callerId: null, record: ['do-not-record', 'record-from-answer', 'record-from-ringing', 'record-from-answer-dual', 'record-from-ringing-dual', 'true', 'false'],
      hangupOnStar: BOOL, answerOnBridge: BOOL, ringTone: null, recordingStatusCallback: URLISH, recordingStatusCallbackEvent: null,
      recordingStatusCallbackMethod: METHOD, trim: ['trim-silence', 'do-not-trim'], sequential: BOOL, referUrl: URLISH, referMethod: METHOD,
    },
    children: ['Number', 'Client', 'Sip'],
    text: true,
  },
  Hangup: { attributes: {} },
  Redirect: { attributes: { method: METHOD }, text: true },
  Reject: { attributes: { reason: ['rejected', 'busy'] } },
  Connect: { attributes: { action: URLISH, method: METHOD }, children: ['Stream', 'ConversationRelay'] },
  Start: { attributes: { action: URLISH, method: METHOD }, children: ['Stream'] },
  Stop: { attributes: {}, children: ['Stream'] },
};

const NOUN_ATTRIBUTES: Record<string, Record<string, Rule | null>> = {
  Number: { sendDigits: /^[0-9wW*#]+$/, url: URLISH, method: METHOD, statusCallback: URLISH, statusCallbackEvent: null, statusCallbackMethod: METHOD, machineDetection: null, amdStatusCallback: URLISH, byoc: null },
  Client: { url: URLISH, method: METHOD, statusCallback: URLISH, statusCallbackEvent: null, statusCallbackMethod: METHOD },
  Stream: { url: /^wss?:\/\/\S+$/, name: null, track: ['inbound_track', 'outbound_track', 'both_tracks'], statusCallback: URLISH, statusCallbackMethod: METHOD, connectorName: null },
  Sip: { username: null, password: null, url: URLISH, method: METHOD, statusCallback: URLISH, statusCallbackEvent: null, statusCallbackMethod: METHOD },
};

/** Verbs Twilio has that the sandbox does not carry out: named, so the failure says so instead of "unknown". */
const NOT_EMULATED = new Set(['Enqueue', 'Leave', 'Queue', 'Conference', 'Pay', 'Prompt', 'Refer', 'Echo', 'Sms', 'Message', 'VirtualAgent', 'Transcription', 'Siprec']);

export interface CheckResult {
  error?: Problem;
  warnings: Problem[];
}

function checkAttributes(where: string, el: XmlElement, rules: Record<string, Rule | null>, warnings: Problem[]): Problem | undefined {
  for (const [name, value] of Object.entries(el.attributes)) {
    if (!(name in rules)) {
      warnings.push({ code: 12200, message: `${where}: unknown attribute "${name}" (ignored)` });
      continue;
    }
    const rule = rules[name];
    const ok = rule === null || (rule instanceof RegExp ? rule.test(value) : rule.includes(value));
    if (!ok) return { code: 12200, message: `${where}: ${name}="${value}" is not a valid value` };
  }
  return undefined;
}

/** Checks a parsed `<Response>` before anything of it runs, as Twilio validates a document first. */
export function checkVoiceTwiml(root: XmlElement): CheckResult {
  const warnings: Problem[] = [];
  if (root.name !== 'Response') return { error: { code: 12100, message: `The root element is <${root.name}>, not <Response>` }, warnings };
  for (const verb of elementsOf(root)) {
    const spec = VERBS[verb.name];
    if (!spec) {
      const why = NOT_EMULATED.has(verb.name) ? 'is not emulated by the sandbox (see docs/sandbox-voice.md)' : 'is not a voice TwiML verb';
      return { error: { code: 12200, message: `<${verb.name}> ${why}` }, warnings };
    }
    const bad = checkAttributes(`<${verb.name}>`, verb, spec.attributes, warnings);
    if (bad) return { error: bad, warnings };
    for (const child of elementsOf(verb)) {
      if (NOT_EMULATED.has(child.name)) return { error: { code: 12200, message: `<${verb.name}><${child.name}> is not emulated by the sandbox (see docs/sandbox-voice.md)` }, warnings };
      if (!spec.children?.includes(child.name)) return { error: { code: 12200, message: `<${child.name}> is not allowed inside <${verb.name}>` }, warnings };
      if (child.name === 'ConversationRelay') {
        const badRelay = checkRelayNoun(child, warnings);
        if (badRelay) return { error: badRelay, warnings };
        continue;
      }
      if (child.name === 'Stream' && !child.attributes.url && verb.name !== 'Stop') return { error: { code: 12200, message: `<${verb.name}><Stream> needs a url (wss://...)` }, warnings };
      const nounRules = NOUN_ATTRIBUTES[child.name] ?? (VERBS[child.name]?.attributes as Record<string, Rule | null> | undefined);
      if (nounRules) {
        const badChild = checkAttributes(`<${verb.name}><${child.name}>`, child, nounRules, warnings);
        if (badChild) return { error: badChild, warnings };
      }
    }
  }
  return { warnings };
}
