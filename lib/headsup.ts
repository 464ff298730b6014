import * as path from 'node:path';
import { Annotations, Duration, Fn, SecretValue, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { clip } from '../common/clip';
import { COMPILED_TEMPLATES_FILE } from '../functions/adapters/compiled-templates';
import { COMPILED_TEAM_FILE, precompileTeam, TEAM_FILE_NAME } from '../functions/adapters/team-file';
import { precompileTemplates } from '../functions/adapters/template-files';
import { ConfigError } from '../functions/config/error';
import type { Setting } from '../functions/config/setting';
import * as settings from '../functions/config/settings';
import type * as z from '../functions/core/zod';
import { FUNCTIONS, QUEUES, SECRET_PLACEHOLDER, SECRETS, TABLE, WIRING_ENV } from './definitions';

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
  /**
   * How recently a user must have been seen for a `channel: auto` template to reach them in-app
   * (else by email): a number and a unit, `1m` to `30d`.
   * @default '30m'
   */
  readonly inappSeenWithin?: string;
  /**
   * Intercom admin (teammate) id that fix messages are sent from: digits only, e.g. `1234567`.
   * @default not set: the notify function then stops at start with a line naming INTERCOM_ADMIN_ID
   */
  readonly intercomAdminId?: string;
  /**
   * Intercom app (workspace) id, e.g. `abc12def`, for links into Intercom.
   * @default not set
   */
  readonly intercomAppId?: string;
  /** Notified when a DLQ alarm (errors or notify) fires and clears. @default no action */
  readonly alarmTopic?: sns.ITopic;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
}

type FunctionName = keyof typeof FUNCTIONS;
type QueueSettings = (typeof QUEUES)[keyof typeof QUEUES];

const PROJECT_ROOT = path.resolve(__dirname, '..');
/**
 * The fix templates: `templates/*.md` at the project root, copied into the triage and notify bundles
 * under the same name. The functions read them at cold start from `HEADSUP_TEMPLATES`, relative to the
 * working directory, which is the task root (/var/task) on Lambda.
 */
const TEMPLATES_DIR = 'templates';

/**
 * The on-call team file deployed with triage and notify: HEADSUP_ONCALL at synth, else `oncall.yaml` at the project
 * root (README → On-call and escalation); none → on-call is off. A broken one fails the synth.
 */
function compiledTeam(): string | undefined {
  const given = process.env.HEADSUP_ONCALL;
  return precompileTeam(given ?? path.join(PROJECT_ROOT, TEAM_FILE_NAME), { required: given !== undefined });
}

/**
 * What the AWS SDK's default credential chain imports only when the environment holds no credentials
 * (SSO, shared ini files, a credential process, web identity, container and instance metadata). On
 * Lambda the environment always holds them, so these never load; left out of the bundles they are not
 * parsed at every cold start either (about 130 KiB of each bundle). Were one ever needed, it would
 * resolve from the runtime's own copy of the SDK.
 */
const SDK_CREDENTIAL_FALLBACKS = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@smithy/credential-provider-imds',
];

/**
 * All the bundling commands run as one `bash -c` argument, which Linux caps at 128 KiB (bytes, not
 * characters): the command writing the precompiled templates (about 3 KiB each) may take 100 KiB of it.
 */
const MAX_WRITE_COMMAND_BYTES = 100 * 1024;

/** A shell command that writes `text` to `file` (bash locally and in the bundling container alike). */
function writeFileCommand(file: string, text: string): string {
  // Single-quoted: nothing is expanded; a quote in the text closes, escapes and reopens the quotes.
  const command = `printf '%s' '${text.replaceAll("'", "'\\''")}' > "${file}"`;
  const bytes = Buffer.byteLength(command, 'utf8');
  if (bytes > MAX_WRITE_COMMAND_BYTES) {
    throw new Error(
      `${path.basename(file)} would take a ${Math.ceil(bytes / 1024)} KiB bundling command, over the ${MAX_WRITE_COMMAND_BYTES / 1024} KiB one can carry: fewer or shorter templates`,
    );
  }
  return command;
}

/**
 * How esbuild bundles each function; bench/bundles.ts builds with the same settings to compare them.
 * Chosen by module init (the README has the figures): minified CommonJS, ES module builds preferred,
 * the AWS SDK in the bundle.
 */
export const FUNCTION_BUNDLING = {
  // CJS: @slack/web-api bundled as ESM fails at load ("Dynamic require of node:os").
  format: OutputFormat.CJS,
  minify: true,
  // The ES module build first where a package ships both (the AWS SDK, Powertools, hono): esbuild
  // tree-shakes ES modules, not CommonJS. Packages with only a CommonJS build are bundled as before.
  mainFields: ['module', 'main'],
  sourceMap: true,
  // Stack traces need only the mappings; the sources would double the upload.
  sourcesContent: false,
  // The AWS SDK is bundled: the functions run the versions the tests ran, not the runtime's, and
  // bundled (one minified, tree-shaken file) it loads faster than the runtime's copy.
  externalModules: SDK_CREDENTIAL_FALLBACKS,
} satisfies BundlingOptions;

/**
 * Exactly the table calls each function makes (functions/adapters/*-store.ts), instead of
 * grantRead(Write)Data: no Scan, no batch calls, and the customer index only where it is queried.
 */
export const TABLE_ACCESS = {
  http: { table: ['dynamodb:GetItem'], index: ['dynamodb:Query'] },
  // A transaction is authorized per item, as the Put/Update/ConditionCheck/Delete it holds.
  triage: {
    table: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    index: [],
  },
  notify: {
    table: [
      'dynamodb:BatchGetItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ],
    index: [],
  },
} as const satisfies Record<string, { table: readonly string[]; index: readonly string[] }>;

/** The http function's one write: a group item's incident status (functions/adapters/incident-store.ts). */
export const HTTP_GROUP_WRITE = ['dynamodb:UpdateItem'] as const;

/** How much of a bad prop's value its synth error quotes: enough to recognise it, one line still. */
const QUOTED_VALUE_CHARS = 60;

/** A URL's user name and password, which a synth error must not print back (`https://user:pw@host`). */
const URL_CREDENTIALS = /^([a-z][a-z\d+.-]*:\/\/)[^/?#]*@/i;

/**
 * A prop checked at synth by the rule of the setting it becomes, so a bad value fails the deploy instead of
 * the function's start: one ConfigError line naming the prop and, since a CDK prop is never a secret,
 * quoting its value (but for a URL's user name and password, should someone put them in one). Returns
 * the value as the function will read it (a URL without its trailing slash); a token is only known at
 * deploy and is returned as it is.
 */
function checked<S extends z.ZodMiniType>(
  prop: keyof HeadsUpProps,
  setting: Setting<S>,
  value: string | undefined,
): z.output<S> | string {
  if (value !== undefined && Token.isUnresolved(value)) return value;
  return setting.parse(value, (problem) => {
    // A rule that quotes the value itself (a duration's) starts its message with it: not twice.
    const quoted =
      value === undefined || problem.startsWith('"')
        ? problem
        : `${JSON.stringify(clip(value.replace(URL_CREDENTIALS, '$1…@'), QUOTED_VALUE_CHARS))} ${problem}`;
    return new ConfigError(`HeadsUp: ${prop} ${quoted}`);
  });
}

/** The setting's variable only when given: a missing one reads as "not configured", an empty one would not. */
function envIfSet(setting: Setting, value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { [setting.env]: value };
}

/**
 * The Heads-up pipeline: errors queue (+ DLQ) → triage function → table and Slack; notify queue (+ DLQ)
 * → notify function → Intercom; the http function (ingest, detail pages, Slack actions, Help Scout).
 */
export class HeadsUp extends Construct {
  readonly table: dynamodb.Table;
  readonly errorsQueue: sqs.Queue;
  readonly errorsDlq: sqs.Queue;
  /** Fix-message jobs: from triage (auto templates) and from the http function ("Send fix"). */
  readonly notifyQueue: sqs.Queue;
  readonly notifyDlq: sqs.Queue;
  /** Outbound API tokens (Slack bot, Intercom), read by triage and notify; placeholders until put by hand. */
  readonly tokensSecret: secretsmanager.Secret;
  /** Signing secrets of Slack and Help Scout, read by the http function; placeholders until put by hand. */
  readonly webhookSecret: secretsmanager.Secret;
  /** The ingest keys of `POST /v1/errors`, generated at deploy, read by the http function. */
  readonly ingestSecret: secretsmanager.Secret;
  readonly triageFunction: NodejsFunction;
  readonly notifyFunction: NodejsFunction;
  readonly httpFunction: NodejsFunction;
  readonly functionUrl: lambda.FunctionUrl;
  /** Base URL of detail links, without a trailing slash. */
  readonly publicUrl: string;
  readonly errorsDlqAlarm: cloudwatch.Alarm;
  readonly notifyDlqAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: HeadsUpProps) {
    super(scope, id);
    const slackChannel = checked('slackChannel', settings.slackChannel, props.slackChannel.trim());
    // The functions get the lifetime as written ("15m" reads better than its seconds in the console).
    const linkTtl = props.linkTtl ?? settings.DEFAULT_LINK_TTL;
    checked('linkTtl', settings.linkTtl, linkTtl);
    const intercomAdminId = checked(
      'intercomAdminId',
      settings.intercomAdminId.optional(),
      props.intercomAdminId?.trim(),
    );
    const intercomAppId = checked('intercomAppId', settings.intercomAppId, props.intercomAppId?.trim());
    // An empty publicUrl means the default, as an absent one.
    const publicUrl = checked('publicUrl', settings.publicUrl.optional(), props.publicUrl || undefined);
    if (intercomAdminId === undefined) {
      // Synth goes on (Slack alerts work without Intercom), but say what will not.
      Annotations.of(this).addWarningV2(
        'headsup:intercomAdminId',
        'intercomAdminId is not set: fix messages cannot be sent (notify jobs will fail into the notify DLQ). ' +
          'Deploy with -c intercomAdminId=<id> — see README, "Setting up Intercom".',
      );
    }
    // Unset, the notify function reads its default; given, it goes as written (as linkTtl does).
    const inappSeenWithin = props.inappSeenWithin?.trim() || undefined;
    checked('inappSeenWithin', settings.inappSeenWithin, inappSeenWithin);
    const adminIdEnv = envIfSet(settings.intercomAdminId, intercomAdminId);
    const appIdEnv = envIfSet(settings.intercomAppId, intercomAppId);
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

    [this.errorsQueue, this.errorsDlq] = this.queueWithDlq('Errors', QUEUES.errors);
    [this.notifyQueue, this.notifyDlq] = this.queueWithDlq('Notify', QUEUES.notify);

    // Placeholders only: the real values are put with `aws secretsmanager put-secret-value` and never
    // appear in the template or in a function's environment. Split by reader, so the http function
    // (public Function URL) cannot read the outbound tokens and notify cannot read the signing secrets.
    this.tokensSecret = this.placeholderSecret(
      'TokensSecret',
      'Heads-up outbound API tokens, read by the triage and notify functions',
      SECRETS.tokens.keys,
    );
    this.webhookSecret = this.placeholderSecret(
      'WebhookSecret',
      'Heads-up webhook signing secrets (Slack interactivity, Help Scout dynamic app), read by the http function',
      SECRETS.webhooks.keys,
    );

    // Generated by Secrets Manager at deploy: the key is never a placeholder and never in the template.
    // Letters and digits only: it travels in an Authorization header and the value is split on commas.
    const ingestKey = SECRETS.ingest.keys[0];
    this.ingestSecret = new secretsmanager.Secret(this, 'IngestSecret', {
      description:
        `Heads-up ingest keys for POST /v1/errors (Authorization: Bearer <key>): {"${ingestKey}":"<key>[,<key>]"}, ` +
        'each key at least 16 characters, no commas or spaces. To rotate: put-secret-value with ' +
        `{"${ingestKey}":"old,new"}, move every producer to the new key, then put ` +
        `{"${ingestKey}":"new"}. The functions pick up a change within 5 minutes.`,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: ingestKey,
        excludePunctuation: true,
        includeSpace: false,
        passwordLength: 48,
      },
    });

    this.httpFunction = this.nodeFunction('Http', 'http', logRetention, {
      [WIRING_ENV.table]: this.table.tableName,
      [WIRING_ENV.errorsQueueUrl]: this.errorsQueue.queueUrl,
      [WIRING_ENV.notifyQueueUrl]: this.notifyQueue.queueUrl,
      [SECRETS.webhooks.arnEnv]: this.webhookSecret.secretArn,
      [SECRETS.ingest.arnEnv]: this.ingestSecret.secretArn,
      // The Help Scout sidebar says how far back it looked: as far as detail links live.
      [settings.linkTtl.env]: linkTtl,
      POWERTOOLS_SERVICE_NAME: 'headsup-http',
    });
    // Slack, Help Scout, browsers and producers call it without AWS credentials; the handler verifies
    // each request (ingest: a bearer key from the ingest secret; Slack and Help Scout: their signatures).
    this.functionUrl = this.httpFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    this.grantTable(this.httpFunction, TABLE_ACCESS.http);
    // Acknowledge, Resolve and Snooze write the status of a group item, and only of group items.
    this.httpFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...HTTP_GROUP_WRITE],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['GROUP#*'] } },
      }),
    );
    // Ingest puts validated events on the errors queue (SendMessageBatch is authorized as SendMessage), so
    // do the alert buttons' incident messages, and "Send fix" puts a job on the notify queue; it never consumes, never touches a DLQ and does not need
    // the outbound tokens.
    this.errorsQueue.grantSendMessages(this.httpFunction);
    this.notifyQueue.grantSendMessages(this.httpFunction);
    this.webhookSecret.grantRead(this.httpFunction);
    this.ingestSecret.grantRead(this.httpFunction);

    // The Function URL ends with '/'; links are built as `${publicUrl}/e/<id>` like the local default.
    this.publicUrl = publicUrl ?? `https://${Fn.select(2, Fn.split('/', this.functionUrl.url))}`;
    // Only a given publicUrl: the Function URL cannot go into its own function's environment (a cycle);
    // without it the sidebar's detail links use the origin Help Scout called, which is that URL.
    if (publicUrl !== undefined) this.httpFunction.addEnvironment(settings.publicUrl.env, this.publicUrl);

    this.triageFunction = this.nodeFunction(
      'Triage',
      'triage',
      logRetention,
      {
        [WIRING_ENV.table]: this.table.tableName,
        [WIRING_ENV.errorsQueueUrl]: this.errorsQueue.queueUrl,
        [WIRING_ENV.errorsDlqUrl]: this.errorsDlq.queueUrl,
        [WIRING_ENV.notifyQueueUrl]: this.notifyQueue.queueUrl,
        [WIRING_ENV.templates]: TEMPLATES_DIR,
        [SECRETS.tokens.arnEnv]: this.tokensSecret.secretArn,
        ...appIdEnv,
        [settings.slackChannel.env]: slackChannel,
        [settings.publicUrl.env]: this.publicUrl,
        [settings.linkTtl.env]: linkTtl,
        POWERTOOLS_SERVICE_NAME: 'headsup-triage',
        POWERTOOLS_METRICS_NAMESPACE: 'HeadsUp',
      },
      { withTemplates: true, withTeam: true },
    );
    this.consume(this.triageFunction, this.errorsQueue, QUEUES.errors);
    this.grantTable(this.triageFunction, TABLE_ACCESS.triage);
    // It re-enqueues delayed "flush" and incident messages, moves invalid events to the DLQ with the reason, and
    // enqueues a notify job when a matching template is marked auto.
    this.errorsQueue.grantSendMessages(this.triageFunction);
    this.errorsDlq.grantSendMessages(this.triageFunction);
    this.notifyQueue.grantSendMessages(this.triageFunction);
    this.tokensSecret.grantRead(this.triageFunction);

    this.notifyFunction = this.nodeFunction(
      'Notify',
      'notify',
      logRetention,
      {
        [WIRING_ENV.table]: this.table.tableName,
        [WIRING_ENV.notifyQueueUrl]: this.notifyQueue.queueUrl,
        [WIRING_ENV.templates]: TEMPLATES_DIR,
        [SECRETS.tokens.arnEnv]: this.tokensSecret.secretArn,
        ...adminIdEnv,
        ...appIdEnv,
        ...envIfSet(settings.inappSeenWithin, inappSeenWithin),
        [settings.publicUrl.env]: this.publicUrl,
        POWERTOOLS_SERVICE_NAME: 'headsup-notify',
        POWERTOOLS_METRICS_NAMESPACE: 'HeadsUp',
      },
      // The team too: fix messages say when to expect a reply (`response.*`).
      { withTemplates: true, withTeam: true },
    );
    this.consume(this.notifyFunction, this.notifyQueue, QUEUES.notify);
    // The cooldown guard and the outcome on the detail item; the event source mapping grants the receive
    // and delete on its queue. It sends only to its own queue: a job that meets a fix being sent right
    // now comes back delayed instead of spending its receives.
    this.grantTable(this.notifyFunction, TABLE_ACCESS.notify);
    this.notifyQueue.grantSendMessages(this.notifyFunction);
    this.tokensSecret.grantRead(this.notifyFunction);

    this.errorsDlqAlarm = this.dlqAlarm(
      'ErrorsDlqAlarm',
      'Heads-up: error events are waiting in the errors DLQ (invalid or failed repeatedly)',
      this.errorsDlq,
      props.alarmTopic,
    );
    this.notifyDlqAlarm = this.dlqAlarm(
      'NotifyDlqAlarm',
      'Heads-up: fix messages are waiting in the notify DLQ (Intercom or Slack failed repeatedly; not sent)',
      this.notifyDlq,
      props.alarmTopic,
    );

    this.acknowledgeNagFindings();
  }

  /** Lets a producer (e.g. a backend's role) put error events straight onto the errors queue. */
  grantSendErrors(grantee: iam.IGrantable): iam.Grant {
    return this.errorsQueue.grantSendMessages(grantee);
  }

  /**
   * A queue and its DLQ, both encrypted and TLS-only. Both keep messages for the same time: SQS keeps the
   * original enqueue time on redrive, so a DLQ with a shorter retention would silently drop old failures.
   */
  private queueWithDlq(id: string, queueSettings: QueueSettings): [queue: sqs.Queue, dlq: sqs.Queue] {
    const retentionPeriod = Duration.days(queueSettings.retentionDays);
    const dlq = new sqs.Queue(this, `${id}Dlq`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod,
    });
    const queue = new sqs.Queue(this, `${id}Queue`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod,
      visibilityTimeout: Duration.seconds(queueSettings.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: dlq, maxReceiveCount: queueSettings.maxReceiveCount },
    });
    return [queue, dlq];
  }

  /** Runs the function on batches from the queue; a failed record alone is retried (batch item failures). */
  private consume(fn: NodejsFunction, queue: sqs.Queue, queueSettings: QueueSettings): void {
    fn.addEventSource(
      new SqsEventSource(queue, {
        batchSize: queueSettings.batchSize,
        maxBatchingWindow: Duration.seconds(queueSettings.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: queueSettings.maxConcurrency,
      }),
    );
  }

  /** A secret holding a JSON object of `keys`, each set to the placeholder until the user puts values. */
  private placeholderSecret(id: string, purpose: string, keys: readonly string[]): secretsmanager.Secret {
    const example = JSON.stringify(Object.fromEntries(keys.map((key) => [key, '<value>'])));
    return new secretsmanager.Secret(this, id, {
      description:
        `${purpose}: a JSON object with the keys ${keys.join(', ')}. Put the real values with ` +
        `put-secret-value --secret-string '${example}'; "${SECRET_PLACEHOLDER}" counts as not set. ` +
        'The functions pick up a change within 5 minutes.',
      secretObjectValue: Object.fromEntries(
        keys.map((key) => [key, SecretValue.unsafePlainText(SECRET_PLACEHOLDER)]),
      ),
    });
  }

  /** Fires when one message is visible in the DLQ, and notifies the topic on alarm and on recovery. */
  private dlqAlarm(id: string, description: string, dlq: sqs.Queue, topic?: sns.ITopic): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: description,
      metric: dlq.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (topic) {
      alarm.addAlarmAction(new SnsAction(topic));
      alarm.addOkAction(new SnsAction(topic));
    }
    return alarm;
  }

  private grantTable(
    grantee: iam.IGrantable,
    access: { table: readonly string[]; index: readonly string[] },
  ): void {
    iam.Grant.addToPrincipal({ grantee, actions: [...access.table], resourceArns: [this.table.tableArn] });
    if (access.index.length > 0) {
      iam.Grant.addToPrincipal({
        grantee,
        actions: [...access.index],
        resourceArns: [`${this.table.tableArn}/index/${TABLE.customerIndex.name}`],
      });
    }
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
    options: { withTemplates?: boolean; withTeam?: boolean } = {},
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
        ...FUNCTION_BUNDLING,
        // The templates go next to index.js, with their precompiled form, which is what the function
        // loads (functions/adapters/compiled-templates.ts). Each command runs on its own (bash locally,
        // or in the bundling container); cp fails the synth when there is no template, and a broken
        // one fails it as it is precompiled, rather than the function at its first cold start. The
        // asset hash is of the output, so a template edit redeploys.
        ...(options.withTemplates && {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (inputDir: string, outputDir: string) => {
              const team = options.withTeam ? compiledTeam() : undefined;
              return [
                `mkdir -p "${outputDir}/${TEMPLATES_DIR}"`,
                `cp "${inputDir}/${TEMPLATES_DIR}"/*.md "${outputDir}/${TEMPLATES_DIR}/"`,
                writeFileCommand(
                  `${outputDir}/${TEMPLATES_DIR}/${COMPILED_TEMPLATES_FILE}`,
                  precompileTemplates(path.join(PROJECT_ROOT, TEMPLATES_DIR)),
                ),
                // The team file, checked, as JSON beside them (functions/adapters/compiled-team.ts).
                ...(team
                  ? [writeFileCommand(`${outputDir}/${TEMPLATES_DIR}/${COMPILED_TEAM_FILE}`, team)]
                  : []),
              ];
            },
          },
        }),
      },
    });
  }

  /** Findings of cdk-nag's AwsSolutions pack that are intended, each with the reason. */
  private acknowledgeNagFindings(): void {
    Validations.of(this.tokensSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds third-party API tokens (Slack bot token, Intercom access token): only Slack and Intercom can issue new ones, so a rotation Lambda cannot rotate them. They are regenerated in the Slack app and the Intercom Developer Hub and put with put-secret-value; the functions pick them up within 5 minutes.',
    });
    Validations.of(this.webhookSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds signing secrets chosen by third parties (Slack app signing secret, Help Scout dynamic app secret) that verify their requests: a rotation Lambda cannot change them on the Slack or Help Scout side. They are regenerated there and put with put-secret-value.',
    });
    Validations.of(this.ingestSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Ingest keys are rotated by hand: every producer holds the key and must be moved to the new one first, which a rotation Lambda cannot do. The secret accepts two comma-separated keys at once for that ("old,new", then "new").',
    });
  }
}
