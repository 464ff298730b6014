import type { z } from 'zod';
import { ConfigError } from './error';

/**
 * One setting: the variable it is read from and the rule its value follows. The functions read it from
 * the environment, the CDK construct checks the prop that becomes it by the same rule.
 */
export class Setting<S extends z.ZodType = z.ZodType> {
  constructor(
    readonly env: string,
    readonly schema: S,
  ) {}

  /** The same setting for a function that works without it. */
  optional(): Setting<z.ZodOptional<S>> {
    return new Setting(this.env, this.schema.optional());
  }

  /** The value checked and converted; a bad one throws one line, `${label} ${what is expected}`. */
  parse(value: string | undefined, label: string): z.output<S> {
    const result = this.schema.safeParse(value);
    if (!result.success) throw new ConfigError(`${label} ${result.error.issues[0]!.message}`);
    return result.data;
  }
}
