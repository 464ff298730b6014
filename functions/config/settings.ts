import { clip } from '../../common/clip';
import { WIRING_ENV } from '../../lib/definitions';
import { parseDuration } from '../core/duration';
import { HELPSCOUT_SECRET_LENGTH } from '../core/helpscout/signature';
import { isSlackChannelId } from '../core/slack/channel';
import * as z from '../core/zod';
import { Setting } from './setting';

/*
 * Every setting of the functions (README → Configuration), each declared once: its variable and its rule,
 * whose messages complete the error line "<VARIABLE> …" with what is expected. A message never quotes a
 * token, key or secret, nor a URL (it may carry a password); the CDK construct quotes its props itself.
 */

/** Whitespace or a control character anywhere: a paste that took a line break or a tab with it. */
const SPACE_OR_CONTROL = /[\s\p{Cc}]/u;

/** What is wrong with a base URL, or undefined when it is one: http(s), a host, nothing after the path. */
function urlProblem(value: string): string | undefined {
  if (value === '') return 'empty';
  // Checked on the text: the URL parser accepts `https:host` and silently drops tabs and line breaks.
  if (!/^https?:\/\/[^/]/i.test(value)) return '';
  if (SPACE_OR_CONTROL.test(value)) return 'contains a space, line break or control character';
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return '';
  }
  if (parsed.hostname === '') return '';
  // In a base URL a password would travel in every link, log line and Slack message built from it.
  if (parsed.username !== '' || parsed.password !== '') return 'has a user name or password in it';
  if (/[?#]/.test(value)) return 'has a query or fragment (?… or #…)';
  return undefined;
}

/** An http(s) base URL without credentials, query or fragment, read without its trailing slash. */
const url = (what: string) =>
  z.pipe(
    z.string({ error: `missing — expected ${what}` }),
    z.transform((value, ctx) => {
      const problem = urlProblem(value);
      if (problem === undefined) return value.replace(/\/+$/, '');
      const expected = `expected ${what}, e.g. https://…`;
      return z.refuse(ctx, problem ? `${problem} — ${expected}` : expected);
    }),
  );

const required = (what: string) =>
  z.string({ error: `missing — expected ${what}` }).check(
    z.minLength(1, `empty — expected ${what}`),
    z.refine((v) => v.trim() !== '', `blank — expected ${what}`),
  );

/** Printable ASCII without spaces: what every token, key and signing secret these services issue is. */
const TOKEN_TEXT = /^[\x21-\x7E]+$/;

/**
 * A token or secret: surrounding whitespace (a pasted line break) is dropped; blank, whitespace inside or
 * a character outside printable ASCII is refused — an HTTP header cannot carry it (the first call would
 * fail) and no service issues one. A length bound, where a secret has one, is piped after this.
 */
const secretText = (what: string, emptyMessage: string) =>
  z.pipe(
    z.string({ error: `missing — expected ${what}` }),
    z.transform((value, ctx) => {
      const text = value.trim();
      if (value === '') return z.refuse(ctx, emptyMessage);
      if (text === '') return z.refuse(ctx, `blank — expected ${what}`);
      if (!TOKEN_TEXT.test(text)) {
        return z.refuse(ctx, `contains a space, line break or non-ASCII character — expected ${what}`);
      }
      return text;
    }),
  );

/** Detail links live between these (README → Configuration): not gone before anyone clicks, not for ever. */
export const LINK_TTL_BOUNDS = { minSeconds: 60, maxSeconds: 30 * 86400, text: 'from 1m to 30d' } as const;

/** How much of a bad duration the message quotes: enough to recognise it, one line still. */
const QUOTED_DURATION_CHARS = 40;

type DurationBounds = { minSeconds: number; maxSeconds: number; text: string };

/**
 * A duration such as `24h`, read as its seconds within `bounds`. The message starts with the value as
 * JSON (a line break in it cannot break the line), the way the CDK construct knows not to quote twice.
 */
const boundedDuration = ({ minSeconds, maxSeconds, text: range }: DurationBounds, examples: string) =>
  z.pipe(
    z.string(),
    z.transform((text, ctx) => {
      const quoted = JSON.stringify(clip(text, QUOTED_DURATION_CHARS));
      // parseDuration refuses zero; a zero is still a duration, just too short.
      const seconds = parseDuration(text) ?? (/^\s*0+\s*[smhd]\s*$/.test(text) ? 0 : undefined);
      if (seconds === undefined)
        return z.refuse(ctx, `${quoted} is not a duration — expected ${examples}, ${range}`);
      if (seconds < minSeconds)
        return z.refuse(ctx, `${quoted} is too short — expected ${range}, ${examples}`);
      if (seconds > maxSeconds)
        return z.refuse(ctx, `${quoted} is too long — expected ${range}, ${examples}`);
      return seconds;
    }),
  );

const linkLifetime = boundedDuration(LINK_TTL_BOUNDS, 'e.g. 24h, 15m or 90s');

export const DEFAULT_LINK_TTL = '24h';

/** How recently a user must have been seen for `channel: auto` to reach them in the product. */
export const INAPP_SEEN_WITHIN_BOUNDS = {
  minSeconds: 60,
  maxSeconds: 30 * 86400,
  text: 'from 1m to 30d',
} as const;
export const DEFAULT_INAPP_SEEN_WITHIN = '30m';

export const table = new Setting(WIRING_ENV.table, required('the DynamoDB table name'));
export const errorsQueueUrl = new Setting(WIRING_ENV.errorsQueueUrl, url('the errors queue URL'));
export const errorsDlqUrl = new Setting(WIRING_ENV.errorsDlqUrl, url('the errors DLQ URL'));
export const notifyQueueUrl = new Setting(WIRING_ENV.notifyQueueUrl, url('the notify queue URL'));
export const templatesDir = new Setting(
  WIRING_ENV.templates,
  z._default(required('the folder of the fix templates'), 'templates'),
);
/**
 * The on-call team file. Set: it must exist and pass the check. Unset: `oncall.yaml` beside the
 * templates folder, and no such file means no team (on-call off) — functions/adapters/team-file.ts.
 */
export const teamFile = new Setting(
  'HEADSUP_ONCALL',
  z.optional(required('the path of the on-call team file, e.g. oncall.yaml')),
);

const token = (what: string) => secretText(what, `empty — expected ${what}`);

export const slackBotToken = new Setting('SLACK_BOT_TOKEN', token('a Slack bot token (xoxb-…)'));
export const slackChannel = new Setting(
  'SLACK_CHANNEL',
  required('a Slack channel id such as C0123456789').check(
    z.refine(
      isSlackChannelId,
      'expected a Slack channel id such as C0123456789 (channel details → bottom of the About tab)',
    ),
  ),
);
/** With the trailing slash: the Slack SDK joins its base URL and the method name without a separator. */
export const slackApiUrl = new Setting(
  'SLACK_API_URL',
  z.optional(
    z.pipe(
      url('the Slack Web API base URL'),
      z.transform((v) => `${v}/`),
    ),
  ),
);
const slackSigningSecretWhat = 'the Slack app signing secret (Basic Information)';
const slackSigningSecretRule = `expected ${slackSigningSecretWhat}`;
/** Optional: without it the "Send fix" button is refused (401), the rest of the app works. */
export const slackSigningSecret = new Setting(
  'SLACK_SIGNING_SECRET',
  z.optional(
    z.pipe(
      secretText(slackSigningSecretWhat, slackSigningSecretRule),
      z.string().check(z.minLength(16, slackSigningSecretRule)),
    ),
  ),
);

export const publicUrl = new Setting('HEADSUP_PUBLIC_URL', url('the base URL of detail links'));
/** In seconds. */
export const linkTtl = new Setting('HEADSUP_LINK_TTL', z.prefault(linkLifetime, DEFAULT_LINK_TTL));

export const intercomToken = new Setting('INTERCOM_TOKEN', token('an Intercom access token'));
export const intercomAdminId = new Setting(
  'INTERCOM_ADMIN_ID',
  required('the id of the Intercom admin who sends fix messages').check(
    z.regex(/^\d+$/, 'expected the numeric id of an Intercom admin (Settings → Teammates, or GET /admins)'),
  ),
);
export const intercomAppId = new Setting(
  'INTERCOM_APP_ID',
  z.optional(
    z
      .string()
      .check(
        z.regex(/^\w+$/, 'expected the Intercom app id (workspace id), e.g. abc123de, from the Intercom URL'),
      ),
  ),
);
/** In seconds: `channel: auto` sends in-app to a user Intercom saw this recently, else an email. */
export const inappSeenWithin = new Setting(
  'HEADSUP_INAPP_SEEN_WITHIN',
  z.prefault(boundedDuration(INAPP_SEEN_WITHIN_BOUNDS, 'e.g. 30m, 2h or 1d'), DEFAULT_INAPP_SEEN_WITHIN),
);
export const intercomApiUrl = new Setting('INTERCOM_API_URL', z.optional(url('the Intercom API base URL')));

const pagerDutyKeyWhat = 'a PagerDuty Events API v2 integration key (32 characters)';
/**
 * Optional: unset, PagerDuty is off. The API documents the length only (its 400 says "should be 32
 * characters"), so that is all that is checked past printable ASCII; the message gives the length, never the key.
 */
export const pagerDutyRoutingKey = new Setting(
  'PAGERDUTY_ROUTING_KEY',
  z.optional(
    z.pipe(
      token(pagerDutyKeyWhat),
      z.transform((key, ctx) =>
        key.length === 32
          ? key
          : z.refuse(ctx, `is ${key.length} characters long — expected ${pagerDutyKeyWhat}`),
      ),
    ),
  ),
);
/** Without it: https://events.pagerduty.com (functions/adapters/pagerduty.ts). */
export const pagerDutyApiUrl = new Setting(
  'PAGERDUTY_API_URL',
  z.optional(url('the PagerDuty Events API base URL')),
);

const { min: HS_MIN, max: HS_MAX } = HELPSCOUT_SECRET_LENGTH;
const helpScoutSecretWhat = `the Help Scout app secret, ${HS_MIN} to ${HS_MAX} characters (Help Scout allows at most ${HS_MAX})`;
const helpScoutSecretRule = `expected ${helpScoutSecretWhat}`;
/** Optional: without it every Help Scout sidebar request is refused (403). */
export const helpScoutSecret = new Setting(
  'HELPSCOUT_SECRET',
  z.optional(
    z.pipe(
      secretText(helpScoutSecretWhat, helpScoutSecretRule),
      z.string().check(z.minLength(HS_MIN, helpScoutSecretRule), z.maxLength(HS_MAX, helpScoutSecretRule)),
    ),
  ),
);

/** An ingest key travels in an Authorization header (printable ASCII); the list is split on commas first. */
const INGEST_KEY = /^[\x21-\x7E]{16,512}$/;
const INGEST_KEYS_RULE =
  'expected comma-separated keys of 16 to 512 printable ASCII characters each (no spaces, no commas inside a key)';

/** What is wrong with one key, never quoting it. */
function ingestKeyProblem(key: string): string | undefined {
  if (INGEST_KEY.test(key)) return undefined;
  if (key.length < 16) return 'is shorter than 16 characters';
  if (key.length > 512) return 'is longer than 512 characters';
  return 'contains a space, a control or a non-ASCII character';
}

/**
 * Several at once, so a new key can be added before the old one goes. Each key is trimmed; empty items
 * between commas are skipped. A problem names the key by its position only: the keys are secrets.
 */
export const ingestKeys = new Setting(
  'HEADSUP_INGEST_KEYS',
  z.pipe(
    required('comma-separated ingest keys'),
    z.transform((v, ctx) => {
      const keys = v
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean);
      if (keys.length === 0) return z.refuse(ctx, `has no key — ${INGEST_KEYS_RULE}`);
      for (const [index, key] of keys.entries()) {
        const problem = ingestKeyProblem(key);
        const which = `key ${index + 1} of ${keys.length}`;
        if (problem) return z.refuse(ctx, `${which} ${problem} — ${INGEST_KEYS_RULE}`);
        const first = keys.indexOf(key);
        // A repeat is a rotation typed wrongly ("old,old" for "old,new"): say so rather than guess.
        if (first !== index)
          return z.refuse(ctx, `${which} repeats key ${first + 1} — ${INGEST_KEYS_RULE}, each once`);
      }
      return keys;
    }),
  ),
);
