import * as path from 'node:path';
import { Duration, Fn, SecretValue, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { parseDuration } from '../functions/core/duration';
import { isSlackChannelId } from '../functions/core/slack-channel';
import {
  FUNCTIONS,
  INGEST_SECRET_KEY,
  QUEUES,
  SECRET_KEYS,
  SECRET_PLACEHOLDER,
  TABLE,
  WIRING_ENV,
} from './definitions';

export interface HeadsUpProps {
  /** Slack channel id (e.g. `C0123456789`) the alerts go to. */
  readonly slackChannel: string;
  /**
   * Base URL of detail links, e.g. a custom domain in front of the Function URL.
   * @default the http function's Function URL
   */
  readonly publicUrl?: string;
  /**
   * Lifetime of detail links: a number and a unit, e.g. `24h`, `15m`, `90s`.
   * @default '24h'
   */
  readonly linkTtl?: string;
  /** Notified when the DLQ alarm fires and clears. @default no action */
  readonly alarmTopic?: sns.ITopic;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
}

/** Bad configuration: the CDK app prints the message as one line instead of a stack trace. */
export class HeadsUpConfigError extends Error {
  override readonly name = 'HeadsUpConfigError';
}

type FunctionName = keyof typeof FUNCTIONS;

const PROJECT_ROOT = path.resolve(__dirname, '..');

// Table actions by role, instead of grantRead(Write)Data: no Scan, no streams, and the one named
// index rather than `index/*`.
const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

/** The Heads-up pipeline: errors queue (+ DLQ) → triage function → table and Slack; the http function. */
export class HeadsUp extends Construct {
  readonly table: dynamodb.Table;
  readonly errorsQueue: sqs.Queue;
  readonly errorsDlq: sqs.Queue;
  /** The Slack tokens (placeholders until put by hand). */
  readonly secret: secretsmanager.Secret;
  /** The ingest keys of `POST /v1/errors`, generated at deploy. */
  readonly ingestSecret: secretsmanager.Secret;
  readonly triageFunction: NodejsFunction;
  readonly httpFunction: NodejsFunction;
  readonly functionUrl: lambda.FunctionUrl;
  /** Base URL of detail links, without a trailing slash. */
  readonly publicUrl: string;
  readonly dlqAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: HeadsUpProps) {
    super(scope, id);
    const slackChannel = props.slackChannel.trim();
    if (!Token.isUnresolved(slackChannel) && !isSlackChannelId(slackChannel)) {
      throw new HeadsUpConfigError(
        `HeadsUp: slackChannel "${slackChannel}" is not a channel id such as C0123456789 (not the #name)`,
      );
    }
    const linkTtl = props.linkTtl ?? '24h';
    if (!Token.isUnresolved(linkTtl) && parseDuration(linkTtl) === undefined) {
      throw new HeadsUpConfigError(`HeadsUp: linkTtl "${linkTtl}" is not a duration such as 24h, 15m or 90s`);
    }
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE.ttlAttribute,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE.customerIndex.name,
      partitionKey: { name: TABLE.customerIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.customerIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    // Both queues keep messages for the same time: SQS keeps the original enqueue time on redrive,
    // so a DLQ with a shorter retention would silently drop old failures.
    const retentionPeriod = Duration.days(QUEUES.errors.retentionDays);
    this.errorsDlq = new sqs.Queue(this, 'ErrorsDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod,
    });
    this.errorsQueue = new sqs.Queue(this, 'ErrorsQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod,
      visibilityTimeout: Duration.seconds(QUEUES.errors.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.errorsDlq, maxReceiveCount: QUEUES.errors.maxReceiveCount },
    });

    // Placeholders only: the real tokens are put with `aws secretsmanager put-secret-value` and never
    // appear in the template or in a function's environment.
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: `Heads-up tokens: a JSON object with the keys ${SECRET_KEYS.join(', ')}`,
      secretObjectValue: Object.fromEntries(
        SECRET_KEYS.map((key) => [key, SecretValue.unsafePlainText(SECRET_PLACEHOLDER)]),
      ),
    });

    // Generated by Secrets Manager at deploy: the key is never a placeholder and never in the template.
    // Letters and digits only: it travels in an Authorization header and the value is split on commas.
    this.ingestSecret = new secretsmanager.Secret(this, 'IngestSecret', {
      description:
        `Heads-up ingest keys for POST /v1/errors (Authorization: Bearer <key>): {"${INGEST_SECRET_KEY}":"<key>[,<key>]"}, ` +
        'each key at least 16 characters, no commas or spaces. To rotate: put-secret-value with ' +
        `{"${INGEST_SECRET_KEY}":"old,new"}, move every producer to the new key, then put ` +
        `{"${INGEST_SECRET_KEY}":"new"}. The functions pick up a change within 5 minutes.`,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: INGEST_SECRET_KEY,
        excludePunctuation: true,
        includeSpace: false,
        passwordLength: 48,
      },
    });

    this.httpFunction = this.nodeFunction('Http', 'http', logRetention, {
      [WIRING_ENV.table]: this.table.tableName,
      [WIRING_ENV.errorsQueueUrl]: this.errorsQueue.queueUrl,
      [WIRING_ENV.ingestSecretArn]: this.ingestSecret.secretArn,
      POWERTOOLS_SERVICE_NAME: 'headsup-http',
    });
    // Slack, Help Scout, browsers and producers call it without AWS credentials; the handler verifies
    // each request (ingest: a bearer key from the ingest secret).
    this.functionUrl = this.httpFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    this.grantTable(this.httpFunction, TABLE_READ_ACTIONS);
    // Ingest puts validated events on the errors queue (SendMessageBatch is authorized as SendMessage);
    // it never consumes, never touches the DLQ and does not need the Slack tokens.
    this.errorsQueue.grantSendMessages(this.httpFunction);
    this.ingestSecret.grantRead(this.httpFunction);

    // The Function URL ends with '/'; links are built as `${publicUrl}/e/<id>` like the local default.
    this.publicUrl = props.publicUrl
      ? props.publicUrl.replace(/\/+$/, '')
      : `https://${Fn.select(2, Fn.split('/', this.functionUrl.url))}`;
    if (!Token.isUnresolved(this.publicUrl) && !/^https?:\/\/[^/]/.test(this.publicUrl)) {
      throw new HeadsUpConfigError(`HeadsUp: publicUrl "${props.publicUrl}" is not an http(s) URL`);
    }

    this.triageFunction = this.nodeFunction('Triage', 'triage', logRetention, {
      [WIRING_ENV.table]: this.table.tableName,
      [WIRING_ENV.errorsQueueUrl]: this.errorsQueue.queueUrl,
      [WIRING_ENV.errorsDlqUrl]: this.errorsDlq.queueUrl,
      [WIRING_ENV.secretArn]: this.secret.secretArn,
      SLACK_CHANNEL: slackChannel,
      HEADSUP_PUBLIC_URL: this.publicUrl,
      HEADSUP_LINK_TTL: linkTtl,
      POWERTOOLS_SERVICE_NAME: 'headsup-triage',
      POWERTOOLS_METRICS_NAMESPACE: 'HeadsUp',
    });
    this.triageFunction.addEventSource(
      new SqsEventSource(this.errorsQueue, {
        batchSize: QUEUES.errors.batchSize,
        maxBatchingWindow: Duration.seconds(QUEUES.errors.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: QUEUES.errors.maxConcurrency,
      }),
    );
    this.grantTable(this.triageFunction, [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS]);
    // It re-enqueues delayed "flush" messages and moves invalid events to the DLQ with the reason.
    this.errorsQueue.grantSendMessages(this.triageFunction);
    this.errorsDlq.grantSendMessages(this.triageFunction);
    this.secret.grantRead(this.triageFunction);

    this.dlqAlarm = new cloudwatch.Alarm(this, 'ErrorsDlqAlarm', {
      alarmDescription: 'Heads-up: error events are waiting in the DLQ (invalid or failed repeatedly)',
      metric: this.errorsDlq.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      this.dlqAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
      this.dlqAlarm.addOkAction(new SnsAction(props.alarmTopic));
    }

    this.acknowledgeNagFindings();
  }

  /** Lets a producer (e.g. a backend's role) put error events straight onto the errors queue. */
  grantSendErrors(grantee: iam.IGrantable): iam.Grant {
    return this.errorsQueue.grantSendMessages(grantee);
  }

  private grantTable(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.table.tableArn, `${this.table.tableArn}/index/${TABLE.customerIndex.name}`],
    });
  }

  /**
   * A bundled Node function with its own role and log group: the role gets log write access to that
   * one group instead of the AWS managed AWSLambdaBasicExecutionRole (log writes to every group).
   */
  private nodeFunction(
    id: string,
    name: FunctionName,
    logRetention: logs.RetentionDays,
    environment: Record<string, string>,
  ): NodejsFunction {
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Heads-up ${name} function`,
    });
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention: logRetention });
    logGroup.grantWrite(role);
    return new NodejsFunction(this, id, {
      entry: path.join(PROJECT_ROOT, 'functions', 'handlers', `${name}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(FUNCTIONS[name].timeoutSeconds),
      memorySize: FUNCTIONS[name].memoryMb,
      role,
      logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...environment },
      bundling: {
        // CJS: @slack/web-api bundled as ESM fails at load ("Dynamic require of node:os").
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        // Stack traces need only the mappings; the sources would double the upload.
        sourcesContent: false,
        // Bundle the AWS SDK too: the functions run the versions the tests ran, not the runtime's.
        externalModules: [],
      },
    });
  }

  /** Findings of cdk-nag's AwsSolutions pack that are intended, each with the reason. */
  private acknowledgeNagFindings(): void {
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds third-party Slack tokens; a rotation Lambda cannot mint new ones, they are rotated in Slack and put with put-secret-value.',
    });
    Validations.of(this.ingestSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Ingest keys are rotated by hand: every producer holds the key and must be moved to the new one first, which a rotation Lambda cannot do. The secret accepts two comma-separated keys at once for that ("old,new", then "new").',
    });
  }
}
