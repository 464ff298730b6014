/** The variables that point a stack at Slack, Intercom, its own resources or AWS endpoints. */
const STACK_VARIABLE = /^(SLACK_|INTERCOM_|HEADSUP_|AWS_ENDPOINT_URL)/;

/** The environment without them: a developer's own settings must not leak into a run that builds its own. */
export function withoutStackVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && !STACK_VARIABLE.test(name)) kept[name] = value;
  return kept;
}
