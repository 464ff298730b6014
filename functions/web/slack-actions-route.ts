import type { Logger } from '@aws-lambda-powertools/logger';
import type { Hono } from 'hono';
import { type NotifyJob, notifyJobSchema } from '../core/notify-job';
import type { SlackActor } from '../core/records';
import { isAlertActionId, parseAlertActionValue } from '../core/slack/alert-actions';
import { parseSendFixValue, SEND_FIX_ACTION_ID } from '../core/slack/send-fix';
import type { AlertActions, FixJobQueue } from '../services/ports';
import { signedRequest } from './middleware/signed-request';
import { SLACK_SIGNING } from './middleware/signing-schemes';

export type SlackActionsDeps = {
  /** Without it every request is refused: nothing unsigned may queue a message to a customer. */
  signingSecret?: string;
  notifyQueue: FixJobQueue;
  /** Acknowledge, Resolve and Snooze. */
  alertActions: AlertActions;
  log: Pick<Logger, 'warn' | 'error'>;
};

type BlockAction = {
  type?: string;
  user?: { id?: string; username?: string; name?: string };
  actions?: { action_id?: string; value?: string }[];
};

/**
 * `POST /slack/actions`: Slack's interactivity requests. A verified "Send fix" click becomes a notify
 * job and is answered at once (Slack wants 200 within 3 s); the notify function then updates the alert
 * with the outcome. Acknowledge, Resolve and Snooze change the alert's status (one conditional write)
 * and queue what tells the thread. Every other click (the URL buttons) gets a plain 200.
 */
export function registerSlackActionsRoute(app: Hono, deps: SlackActionsDeps, now: () => number): void {
  const signed = signedRequest(SLACK_SIGNING, { secret: () => deps.signingSecret, now, log: deps.log });
  app.post('/slack/actions', signed, async (c) => {
    const payload = parsePayload(c.get('rawBody'));
    const action = payload?.actions?.[0];
    if (payload?.type !== 'block_actions') return c.body(null, 200);
    if (action?.action_id && isAlertActionId(action.action_id)) {
      await alertAction(action.action_id, action.value, payload.user, deps);
      return c.body(null, 200);
    }
    if (action?.action_id !== SEND_FIX_ACTION_ID) return c.body(null, 200);

    const job = sendFixJob(action.value, payload.user);
    if (!job) {
      // Not the value itself: it names an occurrence's link id, the secret part of a detail URL.
      deps.log.error('Send fix click with an unreadable value', { valueLength: action.value?.length ?? 0 });
      return c.body(null, 200);
    }
    await deps.notifyQueue.send(job);
    return c.body(null, 200);
  });
}

/**
 * Acknowledge, Resolve or Snooze from a verified click: applied at once (the parent shows it within
 * seconds, through triage); a click on a button the alert has moved past is logged and changes nothing.
 */
async function alertAction(
  actionId: string,
  value: string | undefined,
  user: BlockAction['user'],
  deps: SlackActionsDeps,
): Promise<void> {
  const parsed = parseAlertActionValue(actionId, value);
  const by = slackActor(user);
  if (!parsed || !by) {
    deps.log.error('alert button click with an unreadable value or user', {
      actionId,
      valueLength: value?.length ?? 0,
    });
    return;
  }
  const result = await deps.alertActions.apply(parsed, by);
  if (!result.applied)
    deps.log.warn('alert button changed nothing', { action: parsed.kind, reason: result.reason });
}

/** The clicker, as Slack names them: ids are U…/W…; the name is shown, capped. */
function slackActor(user: BlockAction['user']): SlackActor | undefined {
  if (!user?.id || !/^[UW][A-Z0-9]{2,20}$/.test(user.id)) return undefined;
  const name = (user.username ?? user.name)?.slice(0, 100);
  return name ? { id: user.id, name } : { id: user.id };
}

/**
 * The fields of a click we read, each a string or absent: a signed payload is Slack's, but its shape is
 * still checked (a value that is an object or null must not throw).
 */
function parsePayload(rawBody: Buffer): BlockAction | undefined {
  let json: unknown;
  try {
    const payload = new URLSearchParams(rawBody.toString('utf8')).get('payload');
    if (!payload) return undefined;
    json = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const field = (value: unknown, key: string) =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const user = field(json, 'user');
  const actions = field(json, 'actions');
  const first = Array.isArray(actions) ? actions[0] : undefined;
  return {
    type: text(field(json, 'type')),
    user: {
      id: text(field(user, 'id')),
      username: text(field(user, 'username')),
      name: text(field(user, 'name')),
    },
    actions:
      first === undefined
        ? []
        : [{ action_id: text(field(first, 'action_id')), value: text(field(first, 'value')) }],
  };
}

/** The job a click asks for: the button's occurrence and template; the clicker is the requester. */
function sendFixJob(value: string | undefined, user: BlockAction['user']): NotifyJob | undefined {
  const result = notifyJobSchema.safeParse({
    ...parseSendFixValue(value),
    trigger: 'slack',
    requestedBy: user?.id ? { id: user.id, name: user.username ?? user.name } : undefined,
  });
  return result.success ? result.data : undefined;
}
