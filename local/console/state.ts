import { redactRawBody, redactText } from '../../common/redact';
import type { IntercomFake } from '../fakes/intercom-api';
import type { SlackFake } from '../fakes/slack-api';

/** The emulator's view of a queue, read without consuming anything. */
export type QueueInspector = (name: string) =>
  | {
      messages: {
        ready: QueueMessage[];
        delayed: QueueMessage[];
        inflight: { message: QueueMessage }[];
      };
    }
  | undefined;
type QueueMessage = {
  messageId: string;
  body: string;
  sentTimestamp: number;
  messageAttributes: Record<string, { StringValue?: string }>;
};

/** The most of a DLQ body the console shows. */
const DLQ_BODY_SHOWN_CHARS = 4000;

/** Bodies up to this size are scrubbed whole (as JSON when they parse); beyond, only their head. */
const DLQ_BODY_SCRUBBED_CHARS = 64_000;

/**
 * A dead letter as the console shows it: scrubbed of secrets like anything else Heads-up shows, then
 * cut, so a secret that straddles the cut is scrubbed whole. A head cut from a larger body is no longer
 * JSON and is scrubbed as text, which still catches `"password":"x"` pairs.
 */
function shownBody(body: string): string {
  const scrubbed = redactRawBody(body.slice(0, DLQ_BODY_SCRUBBED_CHARS));
  return body.length > DLQ_BODY_SCRUBBED_CHARS || scrubbed.length > DLQ_BODY_SHOWN_CHARS
    ? `${scrubbed.slice(0, DLQ_BODY_SHOWN_CHARS)}…`
    : scrubbed;
}

export type ConsoleSources = {
  slack?: SlackFake;
  intercom?: IntercomFake;
  inspectQueue: QueueInspector;
  dlqNames: string[];
};

/** Everything the dev console shows, as JSON: the Slack channel, the users' messengers, the DLQs. */
export function consoleState({ slack, intercom, inspectQueue, dlqNames }: ConsoleSources) {
  return {
    slack: slack && {
      parents: slack.parents().map((m) => ({
        channel: m.channel,
        ts: m.ts,
        text: m.text,
        blocks: m.blocks,
        edited: m.updatedCount,
        replies: slack.replies(m.channel, m.ts).map((r) => ({ ts: r.ts, text: r.text, blocks: r.blocks })),
      })),
    },
    intercom: intercom && {
      contacts: intercom.contacts.map((c) => ({
        id: c.id,
        name: c.name,
        email: c.email,
        messages: intercom
          .messagesFor(c.id)
          .map((m) => ({ id: m.id, body: m.body, createdAt: m.created_at })),
      })),
    },
    dlq: dlqNames.flatMap((queue) => {
      const found = inspectQueue(queue);
      if (!found) return [];
      const { ready, delayed, inflight } = found.messages;
      return [...ready, ...delayed, ...inflight.map((i) => i.message)].map((m) => ({
        queue,
        messageId: m.messageId,
        at: m.sentTimestamp,
        reason: redactText(
          m.messageAttributes['headsup-reason']?.StringValue ?? 'failed 5 times (see the function logs)',
        ),
        body: shownBody(m.body),
      }));
    }),
  };
}
