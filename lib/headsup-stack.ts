import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ConfigError } from '../functions/config/error';
import type { Setting } from '../functions/config/setting';
import * as settings from '../functions/config/settings';
import { SECRETS } from './definitions';
import { HeadsUp, type HeadsUpProps } from './headsup';

export interface HeadsUpStackProps extends StackProps {
  readonly headsUp: HeadsUpProps;
}

/** Deploys one Heads-up pipeline and prints every URL and name a user has to paste somewhere. */
export class HeadsUpStack extends Stack {
  readonly headsUp: HeadsUp;

  constructor(scope: Construct, id: string, props: HeadsUpStackProps) {
    super(scope, id, props);
    const headsUp = new HeadsUp(this, 'HeadsUp', props.headsUp);
    this.headsUp = headsUp;

    // The Function URL ends with '/'.
    const url = headsUp.functionUrl.url;
    const outputs: Record<string, { description: string; value: string }> = {
      FunctionUrl: {
        description: 'Base URL of the http function (Slack, Help Scout and POST /v1/errors go here)',
        value: url,
      },
      DetailLinkBaseUrl: {
        description: 'Detail links in Slack alerts start with this',
        value: `${headsUp.publicUrl}/e/`,
      },
      ErrorsQueueUrl: {
        description: 'Backends may SendMessage error events here (IAM, see grantSendErrors)',
        value: headsUp.errorsQueue.queueUrl,
      },
      ErrorsQueueArn: {
        description: 'For producer IAM policies: sqs:SendMessage on this ARN',
        value: headsUp.errorsQueue.queueArn,
      },
      ErrorsDlqUrl: {
        description: 'Invalid or repeatedly failing error events (alarmed)',
        value: headsUp.errorsDlq.queueUrl,
      },
      NotifyDlqUrl: {
        description: 'Fix messages that failed repeatedly and were not sent (alarmed)',
        value: headsUp.notifyDlq.queueUrl,
      },
      SlackInteractivityUrl: {
        description: 'Slack app → Interactivity & Shortcuts → Request URL (the "Send fix" button)',
        value: Fn.join('', [url, 'slack/actions']),
      },
      HelpScoutCallbackUrl: {
        description:
          'Help Scout custom app (Dynamic Content) → Callback URL; its secret key goes into HELPSCOUT_SECRET (SetWebhookSecretsCommand)',
        value: Fn.join('', [url, 'helpscout']),
      },
      TokensSecretName: {
        description: `Secrets Manager secret holding ${SECRETS.tokens.keys.join(', ')} (read by triage and notify)`,
        value: headsUp.tokensSecret.secretName,
      },
      SetTokensCommand: {
        description:
          'Run once after the first deploy, with the real Slack bot token and Intercom access token',
        value: putSecretCommand(headsUp.tokensSecret.secretArn, SECRETS.tokens.keys),
      },
      WebhookSecretName: {
        description: `Secrets Manager secret holding ${SECRETS.webhooks.keys.join(', ')} (read by the http function)`,
        value: headsUp.webhookSecret.secretName,
      },
      SetWebhookSecretsCommand: {
        description:
          'Run once after the first deploy, with the Slack signing secret and the Help Scout app secret',
        value: putSecretCommand(headsUp.webhookSecret.secretArn, SECRETS.webhooks.keys),
      },
      IngestUrl: {
        description: 'Producers POST error events here with Authorization: Bearer <ingest key>',
        value: Fn.join('', [url, 'v1/errors']),
      },
      IngestKeySecretName: {
        description: `Secrets Manager secret holding ${SECRETS.ingest.keys[0]} (generated at deploy; rotation steps in its description)`,
        value: headsUp.ingestSecret.secretName,
      },
      GetIngestKeyCommand: {
        description: `Prints {"${SECRETS.ingest.keys[0]}":"<key>"}: give the key to producers`,
        value: Fn.join('', [
          'aws secretsmanager get-secret-value --secret-id ',
          headsUp.ingestSecret.secretArn,
          ' --query SecretString --output text',
        ]),
      },
    };
    for (const [outputId, output] of Object.entries(outputs)) new CfnOutput(this, outputId, output);
  }
}

/** `aws secretsmanager put-secret-value` for a JSON secret, with `<value>` for each key. */
function putSecretCommand(secretArn: string, keys: readonly string[]): string {
  const json = JSON.stringify(Object.fromEntries(keys.map((key) => [key, '<value>'])));
  return Fn.join('', [
    'aws secretsmanager put-secret-value --secret-id ',
    secretArn,
    ` --secret-string '${json}'`,
  ]);
}

/**
 * Stack settings from the CDK context (`-c slackChannel=C0123456789`, `-c publicUrl=…`, `-c linkTtl=…`,
 * `-c inappSeenWithin=…`, `-c intercomAdminId=…`, `-c intercomAppId=…`), the Slack channel and the Intercom ids falling back to
 * SLACK_CHANNEL, INTERCOM_ADMIN_ID and INTERCOM_APP_ID as in the local stack. There is deliberately no
 * default channel: a deploy without one fails here in one line instead of at the first alert.
 * `npm run synth` (CI, no configuration) passes a placeholder channel on its command line.
 */
export function headsUpPropsFromContext(scope: Construct, env = process.env): HeadsUpProps {
  const slackChannel = contextString(scope, 'slackChannel') ?? fromEnv(env, settings.slackChannel);
  if (!slackChannel) {
    throw new ConfigError(
      `Slack channel not set: pass -c slackChannel=C0123456789 or set ${settings.slackChannel.env}`,
    );
  }
  return {
    slackChannel,
    publicUrl: contextString(scope, 'publicUrl'),
    linkTtl: contextString(scope, 'linkTtl'),
    inappSeenWithin: contextString(scope, 'inappSeenWithin'),
    // A number is fine too: an admin id is digits, and cdk.json may hold it unquoted.
    intercomAdminId:
      contextString(scope, 'intercomAdminId', { allowInteger: true }) ??
      fromEnv(env, settings.intercomAdminId),
    intercomAppId: contextString(scope, 'intercomAppId') ?? fromEnv(env, settings.intercomAppId),
  };
}

function contextString(
  scope: Construct,
  key: string,
  options: { allowInteger?: boolean } = {},
): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (options.allowInteger && typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value !== 'string') {
    const expected = options.allowInteger ? 'a string or a whole number' : 'a string';
    throw new ConfigError(`Context ${key} must be ${expected}`);
  }
  return value.trim() || undefined;
}

/** The setting's variable, trimmed; blank counts as not set. */
function fromEnv(env: NodeJS.ProcessEnv, setting: Setting): string | undefined {
  return env[setting.env]?.trim() || undefined;
}
