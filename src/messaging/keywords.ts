/** Twilio's default opt-out keywords (the sandbox applies them as Twilio does; serve records them too). */
export const STOP_WORDS: ReadonlySet<string> = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
export const START_WORDS: ReadonlySet<string> = new Set(['START', 'YES', 'UNSTOP']);

/** 'stop', 'start', 'help' or undefined for a message body. */
export function keywordOf(body: string): 'stop' | 'start' | 'help' | undefined {
  const word = body.trim().toUpperCase();
  if (STOP_WORDS.has(word)) return 'stop';
  if (START_WORDS.has(word)) return 'start';
  return word === 'HELP' ? 'help' : undefined;
}
