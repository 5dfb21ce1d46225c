/**
 * Call time. Twilio plays a call in real time; the sandbox does too by default, and `voiceTimeScale`
 * (tests, quick demos) shrinks every wait of the TwiML interpreter and handset scripts alike, so a
 * 5 s Gather timeout takes 5 s x scale. Media streams always run in real time.
 */
export class CallAborted extends Error {
  constructor(readonly reason: string) {
    super(`call step stopped: ${reason}`);
  }
}

/** Waits `ms` of call time (already scaled by the caller), or rejects with CallAborted when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CallAborted(String(signal.reason ?? 'aborted')));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CallAborted(String(signal?.reason ?? 'aborted')));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when `signal` fires, at once if it already has (a call may hang up while a socket opens). */
export function whenAborted(signal: AbortSignal): Promise<'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
}

/** A child signal that also fires when `parent` does: one step of a call can be cut without ending the call. */
export function childSignal(parent: AbortSignal): AbortController {
  const child = new AbortController();
  if (parent.aborted) child.abort(parent.reason);
  else parent.addEventListener('abort', () => child.abort(parent.reason), { once: true });
  return child;
}

/** How long synthesised speech of `text` lasts: about 150 words a minute, as Twilio's voices speak. */
export function speechMs(text: string): number {
  const words = text.trim().split(/\s+/).filter(Boolean).length;
  return Math.max(400, words * 400);
}
