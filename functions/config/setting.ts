import * as z from '../core/zod';

/**
 * One setting: the variable it is read from and the rule its value follows. The functions read it from
 * the environment, the CDK construct checks the prop that becomes it by the same rule.
 */
export class Setting<S extends z.ZodMiniType = z.ZodMiniType> {
  constructor(
    readonly env: string,
    readonly schema: S,
  ) {}

  /** The same setting for a function that works without it. */
  optional(): Setting<z.ZodMiniOptional<S>> {
    return new Setting(this.env, z.optional(this.schema));
  }

  /**
   * The value checked and converted. A bad one throws `error(problem)`, the problem being the rule's
   * message (what is expected): a function names the variable, the CDK construct its prop.
   */
  parse(value: string | undefined, error: (problem: string) => Error): z.output<S> {
    const result = this.schema.safeParse(value);
    if (!result.success) throw error(result.error.issues[0]!.message);
    return result.data;
  }
}
