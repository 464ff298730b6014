import type { Button } from '@slack/types';
import type { AlertStatus, ErrorGroup } from '../records';

/**
 * The Acknowledge, Resolve and Snooze buttons' contract with the Slack actions route: their action
 * ids, and a value naming the group and the round the button was shown in (a button of an earlier
 * round does nothing), plus a snooze's seconds. The value comes back from Slack as typed by anyone who
 * can forge a payload, so parsing is strict and bounded.
 */
export const ACK_ACTION_ID = 'ack';
export const RESOLVE_ACTION_ID = 'resolve';
export const SNOOZE_ACTION_ID = 'snooze';

export const ALERT_ACTION_IDS = [ACK_ACTION_ID, RESOLVE_ACTION_ID, SNOOZE_ACTION_ID] as const;
export type AlertActionId = (typeof ALERT_ACTION_IDS)[number];

export type AlertAction =
  | { kind: 'ack' | 'resolve'; fingerprint: string; round: number }
  | { kind: 'snooze'; fingerprint: string; round: number; seconds: number };

/** A snooze lasts at least a minute and at most a week. */
export const SNOOZE_SECONDS = { min: 60, max: 7 * 86400 } as const;
/** The snooze the alert offers. */
export const DEFAULT_SNOOZE_SECONDS = 3600;
/** Longer than any value we make: refused before it is split. */
export const MAX_ALERT_VALUE_CHARS = 100;

const FINGERPRINT = /^[0-9a-f]{32}$/;
/** Nine digits at most: always a safe integer. */
const COUNT = /^(0|[1-9][0-9]{0,8})$/;

export function isAlertActionId(actionId: string): actionId is AlertActionId {
  return (ALERT_ACTION_IDS as readonly string[]).includes(actionId);
}

/** The button's action id for an action. */
export function alertActionId(action: AlertAction): AlertActionId {
  return action.kind === 'snooze'
    ? SNOOZE_ACTION_ID
    : action.kind === 'ack'
      ? ACK_ACTION_ID
      : RESOLVE_ACTION_ID;
}

export function alertActionValue(action: AlertAction): string {
  const base = `${action.fingerprint}|${action.round}`;
  return action.kind === 'snooze' ? `${base}|${action.seconds}` : base;
}

/** The action a button's id and value ask for; undefined for anything we did not make. */
export function parseAlertActionValue(actionId: string, value: string | undefined): AlertAction | undefined {
  if (!isAlertActionId(actionId) || value === undefined || value.length > MAX_ALERT_VALUE_CHARS)
    return undefined;
  const parts = value.split('|');
  const [fingerprint, roundText, secondsText] = parts;
  if (fingerprint === undefined || !FINGERPRINT.test(fingerprint)) return undefined;
  if (roundText === undefined || !COUNT.test(roundText)) return undefined;
  const round = Number(roundText);
  if (actionId !== SNOOZE_ACTION_ID) {
    return parts.length === 2 ? { kind: actionId, fingerprint, round } : undefined;
  }
  if (parts.length !== 3 || secondsText === undefined || !COUNT.test(secondsText)) return undefined;
  const seconds = Number(secondsText);
  if (seconds < SNOOZE_SECONDS.min || seconds > SNOOZE_SECONDS.max) return undefined;
  return { kind: 'snooze', fingerprint, round, seconds };
}

/** Which buttons each state offers: resolved offers none (a regression reopens the alert). */
const OFFERED: Record<AlertStatus['state'], AlertActionId[]> = {
  open: [ACK_ACTION_ID, SNOOZE_ACTION_ID, RESOLVE_ACTION_ID],
  acknowledged: [SNOOZE_ACTION_ID, RESOLVE_ACTION_ID],
  snoozed: [ACK_ACTION_ID, RESOLVE_ACTION_ID],
  resolved: [],
};

function button(actionId: AlertActionId, fingerprint: string, round: number): Button {
  switch (actionId) {
    case ACK_ACTION_ID:
      return {
        type: 'button',
        action_id: ACK_ACTION_ID,
        style: 'primary',
        text: { type: 'plain_text', text: 'Acknowledge' },
        value: alertActionValue({ kind: 'ack', fingerprint, round }),
      };
    case SNOOZE_ACTION_ID:
      return {
        type: 'button',
        action_id: SNOOZE_ACTION_ID,
        text: { type: 'plain_text', text: 'Snooze 1 h' },
        value: alertActionValue({ kind: 'snooze', fingerprint, round, seconds: DEFAULT_SNOOZE_SECONDS }),
      };
    case RESOLVE_ACTION_ID:
      return {
        type: 'button',
        action_id: RESOLVE_ACTION_ID,
        text: { type: 'plain_text', text: 'Resolve' },
        value: alertActionValue({ kind: 'resolve', fingerprint, round }),
        // Resolve ends escalation for everyone: one slip of a finger should not do it.
        confirm: {
          title: { type: 'plain_text', text: 'Resolve this alert?' },
          text: { type: 'plain_text', text: 'Escalation stops. A new occurrence reopens it.' },
          confirm: { type: 'plain_text', text: 'Resolve' },
          deny: { type: 'plain_text', text: 'Cancel' },
        },
      };
  }
}

/** The buttons the alert's state offers, carrying its round (0 when it has no status yet). */
export function alertActionButtons(group: Pick<ErrorGroup, 'fingerprint' | 'status'>): Button[] {
  const state = group.status?.state ?? 'open';
  const round = group.status?.round ?? 0;
  return OFFERED[state].map((id) => button(id, group.fingerprint, round));
}

/** The Acknowledge button alone, as a direct message offers it. */
export function ackButton(group: Pick<ErrorGroup, 'fingerprint' | 'status'>): Button {
  return button(ACK_ACTION_ID, group.fingerprint, group.status?.round ?? 0);
}
