import { z } from 'zod';
import { WIRING_ENV } from '../../lib/definitions';
import { durationSeconds } from '../core/duration';
import { HELPSCOUT_SECRET_LENGTH } from '../core/helpscout/signature';
import { isSlackChannelId } from '../core/slack/channel';
import { Setting } from './setting';

/*
 * Every setting of the functions (README → Configuration), each declared once: its variable and its rule,
 * whose messages complete the error line "<VARIABLE> …" with what is expected.
 */

const url = (what: string) =>
  z
    .string({ error: `missing — expected ${what}` })
    .refine((v) => /^https?:\/\/[^\s/]+/.test(v), `expected ${what}, e.g. https://…`)
    .transform((v) => v.replace(/\/+$/, ''));

const required = (what: string) =>
  z.string({ error: `missing — expected ${what}` }).min(1, `empty — expected ${what}`);

export const DEFAULT_LINK_TTL = '24h';

export const table = new Setting(WIRING_ENV.table, required('the DynamoDB table name'));
export const errorsQueueUrl = new Setting(WIRING_ENV.errorsQueueUrl, url('the errors queue URL'));
export const errorsDlqUrl = new Setting(WIRING_ENV.errorsDlqUrl, url('the errors DLQ URL'));
export const notifyQueueUrl = new Setting(WIRING_ENV.notifyQueueUrl, url('the notify queue URL'));
export const templatesDir = new Setting(
  WIRING_ENV.templates,
  required('the folder of the fix templates').default('templates'),
);

export const slackBotToken = new Setting('SLACK_BOT_TOKEN', required('a Slack bot token (xoxb-…)'));
export const slackChannel = new Setting(
  'SLACK_CHANNEL',
  required('a Slack channel id such as C0123456789').refine(
    isSlackChannelId,
    'expected a Slack channel id such as C0123456789 (channel details → bottom of the About tab)',
  ),
);
/** With the trailing slash: the Slack SDK joins its base URL and the method name without a separator. */
export const slackApiUrl = new Setting(
  'SLACK_API_URL',
  url('the Slack Web API base URL')
    .transform((v) => `${v}/`)
    .optional(),
);
/** Optional: without it the "Send fix" button is refused (401), the rest of the app works. */
export const slackSigningSecret = new Setting(
  'SLACK_SIGNING_SECRET',
  z.string().min(16, 'expected the Slack app signing secret (Basic Information)').optional(),
);

export const publicUrl = new Setting('HEADSUP_PUBLIC_URL', url('the base URL of detail links'));
/** In seconds. */
export const linkTtl = new Setting(
  'HEADSUP_LINK_TTL',
  durationSeconds('— expected e.g. 24h, 15m or 90s').prefault(DEFAULT_LINK_TTL),
);

export const intercomToken = new Setting('INTERCOM_TOKEN', required('an Intercom access token'));
export const intercomAdminId = new Setting(
  'INTERCOM_ADMIN_ID',
  required('the id of the Intercom admin who sends fix messages').regex(
    /^\d+$/,
    'expected the numeric id of an Intercom admin (Settings → Teammates, or GET /admins)',
  ),
);
export const intercomAppId = new Setting(
  'INTERCOM_APP_ID',
  z
    .string()
    .regex(/^\w+$/, 'expected the Intercom app id (workspace id), e.g. abc123de, from the Intercom URL')
    .optional(),
);
export const intercomApiUrl = new Setting('INTERCOM_API_URL', url('the Intercom API base URL').optional());

const { min: HS_MIN, max: HS_MAX } = HELPSCOUT_SECRET_LENGTH;
const helpScoutSecretRule = `expected the Help Scout app secret, ${HS_MIN} to ${HS_MAX} characters (Help Scout allows at most ${HS_MAX})`;
/** Optional: without it every Help Scout sidebar request is refused (403). */
export const helpScoutSecret = new Setting(
  'HELPSCOUT_SECRET',
  z.string().min(HS_MIN, helpScoutSecretRule).max(HS_MAX, helpScoutSecretRule).optional(),
);

/** Several at once, so a new key can be added before the old one goes. */
export const ingestKeys = new Setting(
  'HEADSUP_INGEST_KEYS',
  required('comma-separated ingest keys').transform((v, ctx) => {
    const keys = v
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    if (keys.length === 0 || keys.some((k) => k.length < 16 || /\s/.test(k))) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected comma-separated keys of at least 16 characters each',
      });
      return z.NEVER;
    }
    return keys;
  }),
);
