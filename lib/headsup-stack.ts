import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SECRETS } from './definitions';
import { HeadsUp, HeadsUpConfigError, type HeadsUpProps } from './headsup';

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

    new CfnOutput(this, 'FunctionUrl', {
      description: 'Base URL of the http function (Slack, Help Scout and POST /v1/errors go here)',
      value: headsUp.functionUrl.url,
    });
    new CfnOutput(this, 'DetailLinkBaseUrl', {
      description: 'Detail links in Slack alerts start with this',
      value: `${headsUp.publicUrl}/e/`,
    });
    new CfnOutput(this, 'ErrorsQueueUrl', {
      description: 'Backends may SendMessage error events here (IAM, see grantSendErrors)',
      value: headsUp.errorsQueue.queueUrl,
    });
    new CfnOutput(this, 'ErrorsQueueArn', {
      description: 'For producer IAM policies: sqs:SendMessage on this ARN',
      value: headsUp.errorsQueue.queueArn,
    });
    new CfnOutput(this, 'ErrorsDlqUrl', {
      description: 'Invalid or repeatedly failing error events (alarmed)',
      value: headsUp.errorsDlq.queueUrl,
    });
    new CfnOutput(this, 'NotifyDlqUrl', {
      description: 'Fix messages that failed repeatedly and were not sent (alarmed)',
      value: headsUp.notifyDlq.queueUrl,
    });
    new CfnOutput(this, 'SlackInteractivityUrl', {
      description: 'Slack app → Interactivity & Shortcuts → Request URL (the "Send fix" button)',
      value: Fn.join('', [headsUp.functionUrl.url, 'slack/actions']),
    });
    new CfnOutput(this, 'HelpScoutCallbackUrl', {
      description:
        'Help Scout custom app (Dynamic Content) → Callback URL; its secret key goes into HELPSCOUT_SECRET (SetWebhookSecretsCommand)',
      value: Fn.join('', [headsUp.functionUrl.url, 'helpscout']),
    });
    new CfnOutput(this, 'TokensSecretName', {
      description: `Secrets Manager secret holding ${SECRETS.tokens.keys.join(', ')} (read by triage and notify)`,
      value: headsUp.tokensSecret.secretName,
    });
    new CfnOutput(this, 'SetTokensCommand', {
      description: 'Run once after the first deploy, with the real Slack bot token and Intercom access token',
      value: putSecretCommand(headsUp.tokensSecret.secretArn, SECRETS.tokens.keys),
    });
    new CfnOutput(this, 'WebhookSecretName', {
      description: `Secrets Manager secret holding ${SECRETS.webhooks.keys.join(', ')} (read by the http function)`,
      value: headsUp.webhookSecret.secretName,
    });
    new CfnOutput(this, 'SetWebhookSecretsCommand', {
      description:
        'Run once after the first deploy, with the Slack signing secret and the Help Scout app secret',
      value: putSecretCommand(headsUp.webhookSecret.secretArn, SECRETS.webhooks.keys),
    });
    new CfnOutput(this, 'IngestUrl', {
      description: 'Producers POST error events here with Authorization: Bearer <ingest key>',
      // The Function URL ends with '/'.
      value: Fn.join('', [headsUp.functionUrl.url, 'v1/errors']),
    });
    new CfnOutput(this, 'IngestKeySecretName', {
      description: `Secrets Manager secret holding ${SECRETS.ingest.keys[0]} (generated at deploy; rotation steps in its description)`,
      value: headsUp.ingestSecret.secretName,
    });
    new CfnOutput(this, 'GetIngestKeyCommand', {
      description: `Prints {"${SECRETS.ingest.keys[0]}":"<key>"}: give the key to producers`,
      value: Fn.join('', [
        'aws secretsmanager get-secret-value --secret-id ',
        headsUp.ingestSecret.secretArn,
        ' --query SecretString --output text',
      ]),
    });
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
 * `-c intercomAdminId=…`, `-c intercomAppId=…`), the Slack channel and the Intercom ids falling back to
 * SLACK_CHANNEL, INTERCOM_ADMIN_ID and INTERCOM_APP_ID as in the local stack. There is deliberately no
 * default channel: a deploy without one fails here in one line instead of at the first alert.
 * `npm run synth` (CI, no configuration) passes a placeholder channel on its command line.
 */
export function headsUpPropsFromContext(scope: Construct, env = process.env): HeadsUpProps {
  const slackChannel = contextString(scope, 'slackChannel') ?? env.SLACK_CHANNEL?.trim();
  if (!slackChannel) {
    throw new HeadsUpConfigError(
      'Slack channel not set: pass -c slackChannel=C0123456789 or set SLACK_CHANNEL',
    );
  }
  return {
    slackChannel,
    publicUrl: contextString(scope, 'publicUrl'),
    linkTtl: contextString(scope, 'linkTtl'),
    // A number is fine too: an admin id is digits, and cdk.json may hold it unquoted.
    intercomAdminId:
      contextString(scope, 'intercomAdminId', { allowInteger: true }) ??
      (env.INTERCOM_ADMIN_ID?.trim() || undefined),
    intercomAppId: contextString(scope, 'intercomAppId') ?? (env.INTERCOM_APP_ID?.trim() || undefined),
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
    throw new HeadsUpConfigError(`Context ${key} must be ${expected}`);
  }
  return value.trim() || undefined;
}
