import { z } from 'zod';
import { WIRING_ENV } from '../../lib/definitions';
import { parseDuration } from '../core/duration';
import { HELPSCOUT_SECRET_LENGTH } from '../core/helpscout-signature';
import { isSlackChannelId } from '../core/slack-channel';

/**
 * Configuration from the environment (README → Configuration), checked once at start: a bad value ends start-up
 * with one line naming the variable and what is expected, never a failure at the first event.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

const url = (what: string) =>
  z
    .string({ error: `missing — expected ${what}` })
    .refine((v) => /^https?:\/\/[^\s/]+/.test(v), `expected ${what}, e.g. https://…`)
    .transform((v) => v.replace(/\/+$/, ''));

const required = (what: string) =>
  z.string({ error: `missing — expected ${what}` }).min(1, `empty — expected ${what}`);

const duration = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const seconds = parseDuration(v ?? '24h');
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration — expected e.g. 24h, 15m or 90s` });
      return z.NEVER;
    }
    return seconds;
  });

const intercomAppId = z
  .string()
  .regex(/^\w+$/, 'expected the Intercom app id (workspace id), e.g. abc123de, from the Intercom URL')
  .optional();

const templatesDir = z.string().min(1).default('templates');

const triageSchema = z.object({
  [WIRING_ENV.table]: required('the DynamoDB table name'),
  [WIRING_ENV.errorsQueueUrl]: url('the errors queue URL'),
  [WIRING_ENV.errorsDlqUrl]: url('the errors DLQ URL'),
  SLACK_BOT_TOKEN: required('a Slack bot token (xoxb-…)'),
  SLACK_CHANNEL: required('a Slack channel id such as C0123456789').refine(
    isSlackChannelId,
    'expected a Slack channel id such as C0123456789 (channel details → bottom of the About tab)',
  ),
  SLACK_API_URL: url('the Slack Web API base URL').optional(),
  HEADSUP_PUBLIC_URL: url('the base URL of detail links'),
  HEADSUP_LINK_TTL: duration,
  [WIRING_ENV.notifyQueueUrl]: url('the notify queue URL'),
  [WIRING_ENV.templates]: templatesDir,
  INTERCOM_APP_ID: intercomAppId,
});

const notifySchema = z.object({
  [WIRING_ENV.table]: required('the DynamoDB table name'),
  [WIRING_ENV.templates]: templatesDir,
  INTERCOM_TOKEN: required('an Intercom access token'),
  INTERCOM_ADMIN_ID: required('the id of the Intercom admin who sends fix messages').regex(
    /^\d+$/,
    'expected the numeric id of an Intercom admin (Settings → Teammates, or GET /admins)',
  ),
  INTERCOM_APP_ID: intercomAppId,
  INTERCOM_API_URL: url('the Intercom API base URL').optional(),
  SLACK_BOT_TOKEN: required('a Slack bot token (xoxb-…)'),
  SLACK_API_URL: url('the Slack Web API base URL').optional(),
  HEADSUP_PUBLIC_URL: url('the base URL of detail links'),
});

const { min: HS_MIN, max: HS_MAX } = HELPSCOUT_SECRET_LENGTH;
const helpScoutSecretRule = `expected the Help Scout app secret, ${HS_MIN} to ${HS_MAX} characters (Help Scout allows at most ${HS_MAX})`;

const ingestKeys = required('comma-separated ingest keys').transform((v, ctx) => {
  const keys = v
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (keys.length === 0 || keys.some((k) => k.length < 16 || /\s/.test(k))) {
    ctx.addIssue({ code: 'custom', message: 'expected comma-separated keys of at least 16 characters each' });
    return z.NEVER;
  }
  return keys;
});

const webSchema = z.object({
  [WIRING_ENV.table]: required('the DynamoDB table name'),
  [WIRING_ENV.errorsQueueUrl]: url('the errors queue URL'),
  [WIRING_ENV.notifyQueueUrl]: url('the notify queue URL'),
  HEADSUP_INGEST_KEYS: ingestKeys,
  /** Optional: without it the "Send fix" button is refused (401), the rest of the app works. */
  SLACK_SIGNING_SECRET: z
    .string()
    .min(16, 'expected the Slack app signing secret (Basic Information)')
    .optional(),
  /** Optional: without it every Help Scout sidebar request is refused (403). */
  HELPSCOUT_SECRET: z.string().min(HS_MIN, helpScoutSecretRule).max(HS_MAX, helpScoutSecretRule).optional(),
  /**
   * Optional: on AWS the http function is its own Function URL and cannot be told it, so detail links
   * in the Help Scout sidebar then use the origin of the request.
   */
  HEADSUP_PUBLIC_URL: url('the base URL of detail links').optional(),
  /** How far back the sidebar sees (links live that long). */
  HEADSUP_LINK_TTL: duration,
});

export type TriageConfig = {
  tableName: string;
  errorsQueueUrl: string;
  errorsDlqUrl: string;
  notifyQueueUrl: string;
  templatesDir: string;
  slack: { token: string; channel: string; apiUrl?: string };
  messages: { publicUrl: string; intercomAppId?: string };
  linkTtlSeconds: number;
};

export type NotifyConfig = {
  tableName: string;
  templatesDir: string;
  intercom: { token: string; adminId: string; apiUrl?: string };
  slack: { token: string; apiUrl?: string };
  messages: { publicUrl: string; intercomAppId?: string };
};

export type WebConfig = {
  tableName: string;
  errorsQueueUrl: string;
  notifyQueueUrl: string;
  ingestKeys: string[];
  slackSigningSecret?: string;
  helpScoutSecret?: string;
  /** Unset: detail links in the Help Scout sidebar use the request's own origin. */
  publicUrl?: string;
  linkTtlSeconds: number;
};

function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ConfigError(`Configuration error: ${issue.path.join('.')} ${issue.message}`);
}

export function loadTriageConfig(env: Env): TriageConfig {
  const e = parseEnv(triageSchema, env);
  return {
    tableName: e[WIRING_ENV.table],
    errorsQueueUrl: e[WIRING_ENV.errorsQueueUrl],
    errorsDlqUrl: e[WIRING_ENV.errorsDlqUrl],
    notifyQueueUrl: e[WIRING_ENV.notifyQueueUrl],
    templatesDir: e[WIRING_ENV.templates],
    slack: { token: e.SLACK_BOT_TOKEN, channel: e.SLACK_CHANNEL, apiUrl: slashed(e.SLACK_API_URL) },
    messages: { publicUrl: e.HEADSUP_PUBLIC_URL, intercomAppId: e.INTERCOM_APP_ID },
    linkTtlSeconds: e.HEADSUP_LINK_TTL,
  };
}

export function loadNotifyConfig(env: Env): NotifyConfig {
  const e = parseEnv(notifySchema, env);
  return {
    tableName: e[WIRING_ENV.table],
    templatesDir: e[WIRING_ENV.templates],
    intercom: { token: e.INTERCOM_TOKEN, adminId: e.INTERCOM_ADMIN_ID, apiUrl: e.INTERCOM_API_URL },
    slack: { token: e.SLACK_BOT_TOKEN, apiUrl: slashed(e.SLACK_API_URL) },
    messages: { publicUrl: e.HEADSUP_PUBLIC_URL, intercomAppId: e.INTERCOM_APP_ID },
  };
}

/** The Slack SDK joins its base URL and the method name without a separator. */
function slashed(apiUrl: string | undefined): string | undefined {
  return apiUrl && `${apiUrl}/`;
}

export function loadWebConfig(env: Env): WebConfig {
  const e = parseEnv(webSchema, env);
  return {
    tableName: e[WIRING_ENV.table],
    errorsQueueUrl: e[WIRING_ENV.errorsQueueUrl],
    notifyQueueUrl: e[WIRING_ENV.notifyQueueUrl],
    ingestKeys: e.HEADSUP_INGEST_KEYS,
    slackSigningSecret: e.SLACK_SIGNING_SECRET,
    helpScoutSecret: e.HELPSCOUT_SECRET,
    publicUrl: e.HEADSUP_PUBLIC_URL,
    linkTtlSeconds: e.HEADSUP_LINK_TTL,
  };
}
