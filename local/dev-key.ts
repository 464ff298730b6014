import { ConfigError } from '../functions/config/error';
import type { Env } from '../functions/config/functions';
import { ingestKeys } from '../functions/config/settings';

/** The local ingest key when HEADSUP_INGEST_KEYS is not set: documented, so the README runs as written. */
export const DEV_INGEST_KEY = 'headsup-local-dev-key';

/**
 * The key the local stack accepts first: what `send-sample` and the console send with. Read by the
 * web app's own rule, so a value the stack would refuse at start fails here with the same line.
 */
export function localIngestKey(env: Env): string {
  const keys = ingestKeys
    .optional()
    .parse(env[ingestKeys.env], (problem) => ConfigError.forVariable(ingestKeys.env, problem));
  return keys?.[0] ?? DEV_INGEST_KEY;
}
