/**
 * A Slack channel id (C…, G…): chat.update needs the id, and a #name silently breaks when the channel
 * is renamed. One rule for the runtime configuration and the CDK props.
 */
export function isSlackChannelId(value: string): boolean {
  return /^[A-Z0-9]{8,}$/.test(value);
}
