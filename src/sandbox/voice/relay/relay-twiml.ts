/**
 * `<Connect><ConversationRelay>` as TwiML: the attributes Twilio documents (values it refuses fail
 * the call with 12200 like any other TwiML; unknown names are warnings), its nested `<Language>` and
 * `<Parameter>`, and the session settings with Twilio's defaults.
 */
import type { Problem } from '../../notifications.js';
import { elementsOf, type XmlElement } from '../../xml.js';

type Rule = RegExp | readonly string[] | null;

/** Who may cut the app's speech short: Twilio's values, with true/false as any/none. */
export type InputKinds = 'none' | 'any' | 'speech' | 'dtmf';
const INPUT_KINDS = ['none', 'any', 'speech', 'dtmf', 'true', 'false'] as const;
const BOOL = ['true', 'false'] as const;
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export const RELAY_ATTRIBUTES: Record<string, Rule> = {
  url: /^wss?:\/\/\S+$/,
  welcomeGreeting: null,
  welcomeGreetingInterruptible: INPUT_KINDS,
  language: LANGUAGE,
  ttsLanguage: LANGUAGE,
  ttsProvider: null,
  voice: null,
  transcriptionLanguage: LANGUAGE,
  transcriptionProvider: null,
  speechModel: null,
  interruptible: INPUT_KINDS,
  dtmfDetection: BOOL,
  reportInputDuringAgentSpeech: INPUT_KINDS,
  preemptible: BOOL,
  partialPrompts: BOOL,
  profanityFilter: BOOL,
  hints: null,
  debug: null,
  elevenlabsTextNormalization: ['on', 'off', 'auto'],
  intelligenceService: null,
  interruptSensitivity: ['low', 'medium', 'high'],
};

const NESTED: Record<string, { attributes: Record<string, Rule>; required: string[] }> = {
  Language: { attributes: { code: LANGUAGE, ttsProvider: null, voice: null, transcriptionProvider: null, speechModel: null }, required: ['code'] },
  Parameter: { attributes: { name: null, value: null }, required: ['name'] },
};

function fits(rule: Rule, value: string): boolean {
  return rule === null || (rule instanceof RegExp ? rule.test(value) : rule.includes(value));
}

/** Checks `<ConversationRelay>` and what it nests; an error fails the call (12200), warnings are notifications. */
export function checkRelayNoun(el: XmlElement, warnings: Problem[]): Problem | undefined {
  const where = '<Connect><ConversationRelay>';
  if (!el.attributes.url) return { code: 12200, message: `${where} needs a url (wss://...)` };
  const checks: [string, XmlElement, Record<string, Rule>][] = [[where, el, RELAY_ATTRIBUTES]];
  for (const child of elementsOf(el)) {
    const spec = NESTED[child.name];
    if (!spec) return { code: 12200, message: `<${child.name}> is not allowed inside ${where} (only <Language> and <Parameter>)` };
    const missing = spec.required.find((name) => !child.attributes[name]);
    if (missing) return { code: 12200, message: `${where}<${child.name}> needs a ${missing} attribute` };
    checks.push([`${where}<${child.name}>`, child, spec.attributes]);
  }
  for (const [label, node, rules] of checks) {
    for (const [name, value] of Object.entries(node.attributes)) {
      if (!(name in rules)) warnings.push({ code: 12200, message: `${label}: unknown attribute "${name}" (ignored)` });
      else if (!fits(rules[name], value)) return { code: 12200, message: `${label}: ${name}="${value}" is not a valid value` };
    }
  }
  return undefined;
}

export interface RelaySettings {
  url: string;
  welcomeGreeting: string | null;
  welcomeGreetingInterruptible: InputKinds;
  interruptible: InputKinds;
  /** Caller input while the app talks and may not be interrupted: reported, or dropped (Twilio's default). */
  reportInputDuringAgentSpeech: InputKinds;
  dtmfDetection: boolean;
  preemptible: boolean;
  ttsLanguage: string;
  transcriptionLanguage: string;
  voice: string | null;
  customParameters: Record<string, string>;
}

/** true/false are Twilio's older spelling of any/none. */
export function inputKindsOf(value: string | boolean | undefined, fallback: InputKinds): InputKinds {
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return 'any';
  if (value === false || value === 'false') return 'none';
  return (['none', 'any', 'speech', 'dtmf'] as const).find((k) => k === value) ?? fallback;
}

export function allows(kinds: InputKinds, input: 'speech' | 'dtmf'): boolean {
  return kinds === 'any' || kinds === input;
}

/** The session's settings from a checked `<ConversationRelay>`, with Twilio's defaults. */
export function relaySettingsOf(el: XmlElement): RelaySettings {
  const a = el.attributes;
  const language = a.language ?? 'en-US';
  const parameters = elementsOf(el).filter((p) => p.name === 'Parameter');
  return {
    url: a.url,
    welcomeGreeting: a.welcomeGreeting ?? null,
    welcomeGreetingInterruptible: inputKindsOf(a.welcomeGreetingInterruptible, 'any'),
    interruptible: inputKindsOf(a.interruptible, 'any'),
    reportInputDuringAgentSpeech: inputKindsOf(a.reportInputDuringAgentSpeech, 'none'),
    dtmfDetection: a.dtmfDetection === 'true',
    preemptible: a.preemptible === 'true',
    ttsLanguage: a.ttsLanguage ?? language,
    transcriptionLanguage: a.transcriptionLanguage ?? language,
    voice: a.voice ?? null,
    customParameters: Object.fromEntries(parameters.map((p) => [p.attributes.name, p.attributes.value ?? ''])),
  };
}
