import type * as z from '../core/zod';
import { ConfigError } from './error';
import { Setting } from './setting';
import * as settings from './settings';

/**
 * What a configuration is read from. On Lambda: the process environment with the secrets' values merged
 * in, read at cold start and again whenever a secret's value changed (a rotated key reaches warm
 * containers); locally: the local stack's environment, read by the web app at start and by the handlers
 * for every batch. Either way nothing uses a configuration whose read failed: the first bad value stops
 * it with one line naming the variable and what is expected.
 */
export type Env = Record<string, string | undefined>;

/** A configuration object as the code uses it, each value named by the setting it is read from. */
type Shape = { readonly [key: string]: Setting | Shape };

type SchemasOf<S extends Shape> = {
  [K in keyof S]: S[K] extends Setting<infer Schema>
    ? Schema
    : S[K] extends Shape
      ? z.ZodMiniObject<SchemasOf<S[K]>>
      : never;
};

/** What a shape reads as: the output of its settings' schemas, optional where they are. */
type ConfigOf<S extends Shape> = z.output<z.ZodMiniObject<SchemasOf<S>>>;

/** Reads the settings in the shape's order: the first bad one ends start-up with its line. */
function read<S extends Shape>(shape: S, env: Env): ConfigOf<S> {
  const entries = Object.entries(shape).map(([key, value]) => [
    key,
    value instanceof Setting
      ? value.parse(env[value.env], (problem) => ConfigError.forVariable(value.env, problem))
      : read(value, env),
  ]);
  return Object.fromEntries(entries) as ConfigOf<S>;
}

const messages = { publicUrl: settings.publicUrl, intercomAppId: settings.intercomAppId };

const triage = {
  tableName: settings.table,
  errorsQueueUrl: settings.errorsQueueUrl,
  errorsDlqUrl: settings.errorsDlqUrl,
  slack: { token: settings.slackBotToken, channel: settings.slackChannel, apiUrl: settings.slackApiUrl },
  messages,
  linkTtlSeconds: settings.linkTtl,
  notifyQueueUrl: settings.notifyQueueUrl,
  templatesDir: settings.templatesDir,
  /** Optional: high urgency is also handed to PagerDuty (its key from the tokens secret on AWS). */
  pagerDuty: { routingKey: settings.pagerDutyRoutingKey, apiUrl: settings.pagerDutyApiUrl },
};

const notify = {
  tableName: settings.table,
  templatesDir: settings.templatesDir,
  intercom: {
    token: settings.intercomToken,
    adminId: settings.intercomAdminId,
    apiUrl: settings.intercomApiUrl,
    inappSeenWithinSeconds: settings.inappSeenWithin,
  },
  slack: { token: settings.slackBotToken, apiUrl: settings.slackApiUrl },
  messages,
  /** A job that meets a fix being sent right now goes back on its own queue, delayed. */
  notifyQueueUrl: settings.notifyQueueUrl,
};

const web = {
  tableName: settings.table,
  errorsQueueUrl: settings.errorsQueueUrl,
  notifyQueueUrl: settings.notifyQueueUrl,
  ingestKeys: settings.ingestKeys,
  slackSigningSecret: settings.slackSigningSecret,
  helpScoutSecret: settings.helpScoutSecret,
  /**
   * Optional: on AWS the http function is its own Function URL and cannot be told it, so detail links
   * in the Help Scout sidebar then use the origin of the request.
   */
  publicUrl: settings.publicUrl.optional(),
  /** How far back the sidebar sees (links live that long). */
  linkTtlSeconds: settings.linkTtl,
};

const shapes = { triage, notify, web };

/**
 * Every variable a configuration reads, nested ones included: the stack test holds each function's
 * environment to them, so it is given nothing its configuration ignores.
 */
export function variablesRead(config: keyof typeof shapes): string[] {
  const walk = (shape: Shape): string[] =>
    Object.values(shape).flatMap((value) => (value instanceof Setting ? [value.env] : walk(value)));
  return walk(shapes[config]);
}

export type TriageConfig = ConfigOf<typeof triage>;
export type NotifyConfig = ConfigOf<typeof notify>;
export type WebConfig = ConfigOf<typeof web>;

export const loadTriageConfig = (env: Env): TriageConfig => read(triage, env);
export const loadNotifyConfig = (env: Env): NotifyConfig => read(notify, env);
export const loadWebConfig = (env: Env): WebConfig => read(web, env);
