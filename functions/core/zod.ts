import { en } from 'zod/locales';
import type { core } from 'zod/mini';
import { config, memoizer, NEVER } from 'zod/mini';

/*
 * zod/mini (its functional API loads in a fraction of classic zod's cold-start time), set up as classic
 * zod sets itself up on first use: English messages (mini alone says "Invalid input" for every problem)
 * and the memoizer classic parses with, which lets a recursive schema meet a cyclic value. Runtime code
 * imports zod from here, never zod/mini itself: the memoizer is read as each schema is built.
 */
config({ ...en(), memoizer: memoizer() });

export * from 'zod/mini';

/**
 * Refuses the value inside a transform with one custom issue, as classic zod's
 * `ctx.addIssue({ code: 'custom', message })` did (mini hands a transform the bare parse payload, which
 * has no addIssue); what it returns is zod's NEVER, the transform's result.
 */
export function refuse(ctx: core.ParsePayload, message: string): never {
  ctx.issues.push({ code: 'custom', message, input: ctx.value });
  return NEVER;
}
