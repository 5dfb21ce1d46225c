/**
 * libphonenumber-js's metadata as the send bundle gets it (scripts/bundle.mjs builds the package's
 * `metadata.min.json.js` into a call of this function for that bundle only): each country's entry is
 * kept as JSON text and parsed the first time libphonenumber reads it. The package's module is one
 * object literal of 245 countries (78 KB): creating it ran on every send and its boilerplate made the
 * code cache ~60 KB larger, ~1.5 ms of a one-message send on Node 20, which reads one country (or the
 * two dozen of a shared calling code such as +1). Reads, `hasOwnProperty`, `Object.keys` and
 * JSON.stringify see the same object as the package's (test/unit/lazy-phone-metadata.test.ts).
 */

/** The metadata's own shape, with its country entries as JSON texts. */
export interface LazyMetadataSource {
  /** Everything but `countries` and `nonGeographic`, as JSON. */
  rest: string;
  countries: Record<string, string>;
  nonGeographic?: Record<string, string>;
}

export function lazyPhoneMetadata(source: LazyMetadataSource): Record<string, unknown> {
  const metadata = JSON.parse(source.rest) as Record<string, unknown>;
  metadata.countries = lazyEntries(source.countries);
  if (source.nonGeographic) metadata.nonGeographic = lazyEntries(source.nonGeographic);
  return metadata;
}

/**
 * An object whose properties parse their JSON on first read (and keep the value): a Proxy over the
 * texts, made at once. (A getter defined per country took ~0.4 ms of every send for 245 countries.)
 * Reads, `in`, `hasOwnProperty`, `Object.keys` and JSON.stringify see the parsed values.
 */
function lazyEntries(texts: Record<string, string>): Record<string, unknown> {
  const parsed = new Map<string, unknown>();
  const own = (key: string | symbol): key is string => typeof key === 'string' && Object.hasOwn(texts, key);
  const valueOf = (key: string) => {
    if (!parsed.has(key)) parsed.set(key, JSON.parse(texts[key]));
    return parsed.get(key);
  };
  return new Proxy(texts as Record<string, unknown>, {
    get: (target, key, receiver) => (own(key) ? valueOf(key) : Reflect.get(target, key, receiver)),
    getOwnPropertyDescriptor: (target, key) => (own(key) ? { value: valueOf(key), writable: false, enumerable: true, configurable: true } : Reflect.getOwnPropertyDescriptor(target, key)),
    // Read-only, as the package's metadata is to libphonenumber: a write would leave text and value apart.
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}
