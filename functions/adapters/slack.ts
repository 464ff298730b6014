import { LogLevel, WebClient } from '@slack/web-api';
import type { SlackRef } from '../core/records';
import type { SlackMessage } from '../core/slack/message';
import type { AlertChannel, AlertThreads } from '../services/ports';
import { type CallKind, connectionCheckedFetch, translatingFailures } from './errors';
import { slackFailure } from './slack-failures';

export type SlackClientOptions = { token: string; apiUrl?: string; timeoutMs?: number };

/**
 * A WebClient set up for Lambda: no SDK retries (the default retries for ~30 minutes, and retries
 * requests Slack may already have carried out — duplicates), 429 rejected at once, and a timeout.
 * The queue retries the record instead, and our claims keep that free of duplicates. Its fetch tells a
 * connection never made (nothing sent) from one lost after the request went out.
 */
export function createSlackClient({ token, apiUrl, timeoutMs = 5000 }: SlackClientOptions): WebClient {
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    logLevel: LogLevel.ERROR,
    fetch: connectionCheckedFetch,
  });
}

/** Runs Web API calls; whatever they throw comes out as a typed failure. */
const slackCall = <T>(call: CallKind, run: () => Promise<T>) =>
  translatingFailures(run, (err) => slackFailure(err, call));

/** Updates alerts that already exist and replies in their threads: wherever each alert was posted. */
export class SlackThreads implements AlertThreads {
  constructor(protected readonly client: WebClient) {}

  async update(ref: SlackRef, message: SlackMessage): Promise<void> {
    await slackCall('write', () => this.client.chat.update({ channel: ref.channel, ts: ref.ts, ...message }));
  }

  async reply(parent: SlackRef, message: SlackMessage): Promise<void> {
    await slackCall('write', () =>
      this.client.chat.postMessage({
        channel: parent.channel,
        thread_ts: parent.ts,
        reply_broadcast: false,
        ...message,
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
  }
}

/** Posts new alerts to the configured channel, and updates and threads them. */
export class SlackChannel extends SlackThreads implements AlertChannel {
  constructor(
    client: WebClient,
    readonly channel: string,
  ) {
    super(client);
  }

  /** Posts a group's parent message, tagged with the group in its metadata so it can be found again. */
  post(message: SlackMessage, fingerprint: string): Promise<SlackRef> {
    return slackCall('write', async () => {
      const res = await this.client.chat.postMessage({
        channel: this.channel,
        ...message,
        metadata: { event_type: ALERT_EVENT_TYPE, event_payload: { fingerprint } },
        unfurl_links: false,
        unfurl_media: false,
      });
      // Posted, but with no way to find it again: as uncertain as a lost answer.
      if (!res.channel || !res.ts)
        throw new Error('Slack accepted chat.postMessage but returned no channel/ts');
      return { channel: res.channel, ts: res.ts };
    });
  }

  /** A direct message from the app to a person (its Messages tab must be on: docs/slack-app-manifest.yaml). */
  async directMessage(userId: string, message: SlackMessage): Promise<void> {
    await slackCall('write', () =>
      this.client.chat.postMessage({ channel: userId, ...message, unfurl_links: false, unfurl_media: false }),
    );
  }

  /**
   * The group's parent message if one was posted since `sinceMs`: after a post whose answer was lost
   * (a timeout, a crash), this tells "posted" from "not posted", so a retry never posts a second one.
   * Reads up to HISTORY_PAGES pages of the channel, newest first. Needs the channels:history (or
   * groups:history) scope; without it Slack refuses (a PermanentError).
   */
  findPosted(fingerprint: string, sinceMs: number): Promise<SlackRef | undefined> {
    return slackCall('read', async () => {
      let cursor: string | undefined;
      for (let page = 0; page < HISTORY_PAGES; page++) {
        const res = await this.client.conversations.history({
          channel: this.channel,
          oldest: (sinceMs / 1000).toFixed(6),
          include_all_metadata: true,
          limit: HISTORY_PAGE_SIZE,
          cursor,
        });
        const found = res.messages?.find(
          (m) =>
            m.metadata?.event_type === ALERT_EVENT_TYPE &&
            (m.metadata.event_payload as { fingerprint?: unknown } | undefined)?.fingerprint === fingerprint,
        );
        if (found?.ts) return { channel: this.channel, ts: found.ts };
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!res.has_more || !cursor) return undefined;
      }
      return undefined;
    });
  }
}

/** How far back the lookup reads: 5 × 200 messages since the lost attempt (Tier 3: 50+/min). */
const HISTORY_PAGES = 5;
const HISTORY_PAGE_SIZE = 200;

/** The metadata event type of Heads-up's parent messages. */
const ALERT_EVENT_TYPE = 'headsup_alert';
