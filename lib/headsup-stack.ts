import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { INGEST_SECRET_KEY, SECRET_KEYS } from './definitions';
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
    new CfnOutput(this, 'SecretName', {
      description: `Secrets Manager secret holding ${SECRET_KEYS.join(', ')}`,
      value: headsUp.secret.secretName,
    });
    const secretJson = JSON.stringify(Object.fromEntries(SECRET_KEYS.map((key) => [key, '<value>'])));
    new CfnOutput(this, 'SetSecretCommand', {
      description: 'Run once after the first deploy, with the real values',
      value: Fn.join('', [
        'aws secretsmanager put-secret-value --secret-id ',
        headsUp.secret.secretArn,
        ` --secret-string '${secretJson}'`,
      ]),
    });
    new CfnOutput(this, 'IngestUrl', {
      description: 'Producers POST error events here with Authorization: Bearer <ingest key>',
      // The Function URL ends with '/'.
      value: Fn.join('', [headsUp.functionUrl.url, 'v1/errors']),
    });
    new CfnOutput(this, 'IngestKeySecretName', {
      description: `Secrets Manager secret holding ${INGEST_SECRET_KEY} (generated at deploy; rotation steps in its description)`,
      value: headsUp.ingestSecret.secretName,
    });
    new CfnOutput(this, 'GetIngestKeyCommand', {
      description: `Prints {"${INGEST_SECRET_KEY}":"<key>"}: give the key to producers`,
      value: Fn.join('', [
        'aws secretsmanager get-secret-value --secret-id ',
        headsUp.ingestSecret.secretArn,
        ' --query SecretString --output text',
      ]),
    });
  }
}

/**
 * Stack settings from the CDK context (`-c slackChannel=C0123456789`, `-c publicUrl=…`, `-c linkTtl=…`),
 * the Slack channel falling back to SLACK_CHANNEL as in the local stack. There is deliberately no
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
  };
}

function contextString(scope: Construct, key: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new HeadsUpConfigError(`Context ${key} must be a string`);
  return value.trim() || undefined;
}
