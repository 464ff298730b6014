/**
 * Bad configuration, as one line naming the setting and what is expected: a function stops at start
 * with it (README → Configuration), and the CDK app prints it at synth instead of a stack trace.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /** A function's line about one of its variables, the form README → Configuration shows. */
  static forVariable(variable: string, problem: string): ConfigError {
    return new ConfigError(`Configuration error: ${variable} ${problem}`);
  }
}
