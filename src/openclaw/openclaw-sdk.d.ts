/**
 * `openclaw/plugin-sdk/plugin-entry` as far as this plugin uses it: `definePluginEntry` returns the
 * entry it is given (plus a lazily built config schema). The entry's own types are in sdk.ts.
 */
declare module 'openclaw/plugin-sdk/plugin-entry' {
  export function definePluginEntry<T extends { id: string; name: string; description: string }>(entry: T): T;
}
