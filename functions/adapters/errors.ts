import type { CallFailure } from '../services/failures';

/**
 * What each adapter's SDK errors become: the services' typed failures (the translations live beside
 * their adapters, e.g. slack-failures.ts). A read changes nothing, so whatever failed in passing may be
 * retried; a write whose answer was lost may have been carried out.
 */
export type CallKind = 'read' | 'write';

/** Runs an SDK call and throws what it throws as a typed failure. */
export async function translatingFailures<T>(
  run: () => Promise<T>,
  translate: (err: unknown) => CallFailure,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw translate(err);
  }
}
