/** The local ingest key when HEADSUP_INGEST_KEYS is not set: documented, so the README runs as written. */
export const DEV_INGEST_KEY = 'headsup-local-dev-key';

/** The key the local stack accepts first: what `send-sample` and the console send with. */
export function localIngestKey(env: Record<string, string | undefined>): string {
  return env.HEADSUP_INGEST_KEYS?.split(',')[0]?.trim() || DEV_INGEST_KEY;
}
