import type { KnownBlock } from '@slack/types';

/** Block Kit limits (Slack's documented maxima). */
export const BLOCK_LIMITS = {
  blocks: 50,
  headerChars: 150,
  sectionChars: 3000,
  fieldChars: 2000,
  buttonChars: 75,
  fallbackChars: 400,
} as const;

/** Caps of the free text in an outcome line: whatever Intercom or a user name says, it fits a block. */
export const OUTCOME_LIMITS = { nameChars: 200, reasonChars: 500 } as const;

/** A message as chat.postMessage and chat.update take it: the blocks and their notification fallback. */
export type SlackMessage = { text: string; blocks: KnownBlock[] };

/** What the message builders need besides the group. */
export type MessageOptions = {
  publicUrl: string;
  intercomAppId?: string;
  /**
   * Plain text for a low-urgency alert: who will look and when ("next in working hours: Ana, Mon 09:00
   * Toronto — in 5 h"). Shown escaped.
   */
  oncallNote?: string;
};
