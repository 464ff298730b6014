import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ConfigError } from '../../functions/config/error';
import {
  type Env,
  loadNotifyConfig,
  loadTriageConfig,
  loadWebConfig,
  variablesRead,
} from '../../functions/config/functions';
import { FUNCTIONS, QUEUES, SECRET_PLACEHOLDER, SECRETS, TABLE, WIRING_ENV } from '../../lib/definitions';
import type { HeadsUpProps } from '../../lib/headsup';
import { HeadsUpStack, headsUpPropsFromContext } from '../../lib/headsup-stack';
import { logicalId, testApp } from './test-app';

const SLACK_CHANNEL = 'C0123456789';
/** Every optional prop that reaches a function's environment. */
const INTERCOM = { intercomAdminId: '1234567', intercomAppId: 'abc12def' } as const;

type Ref = { Ref: string };
type GetAtt = { 'Fn::GetAtt': [string, string] };
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}
interface QueueProps {
  VisibilityTimeout?: number;
  MessageRetentionPeriod?: number;
  SqsManagedSseEnabled?: boolean;
  KmsMasterKeyId?: unknown;
  RedrivePolicy?: { deadLetterTargetArn: GetAtt; maxReceiveCount: number };
}
interface MappingProps {
  EventSourceArn: GetAtt;
  FunctionName: Ref;
  FunctionResponseTypes?: string[];
  ScalingConfig?: { MaximumConcurrency?: number };
}
interface SecretProps {
  Description: string;
  SecretString?: string;
  GenerateSecretString?: {
    SecretStringTemplate?: string;
    GenerateStringKey?: string;
    ExcludePunctuation?: boolean;
    IncludeSpace?: boolean;
    PasswordLength?: number;
  };
}
interface FunctionProps {
  Runtime: string;
  Architectures: string[];
  Timeout: number;
  MemorySize: number;
  Environment: { Variables: Record<string, unknown> };
  LoggingConfig?: { LogGroup?: Ref };
  Role: GetAtt;
}

/** Synthesizes the stack; `extend` adds to it first (the tree is frozen after synth). */
function build(headsUp: Partial<HeadsUpProps> = {}, app = testApp(), extend?: (stack: HeadsUpStack) => void) {
  const stack = new HeadsUpStack(app, 'Test', { headsUp: { slackChannel: SLACK_CHANNEL, ...headsUp } });
  extend?.(stack);
  const template = Template.fromStack(stack);
  const ids = {
    table: logicalId(stack, stack.headsUp.table),
    queue: logicalId(stack, stack.headsUp.errorsQueue),
    dlq: logicalId(stack, stack.headsUp.errorsDlq),
    notifyQueue: logicalId(stack, stack.headsUp.notifyQueue),
    notifyDlq: logicalId(stack, stack.headsUp.notifyDlq),
    tokensSecret: logicalId(stack, stack.headsUp.tokensSecret),
    webhookSecret: logicalId(stack, stack.headsUp.webhookSecret),
    ingestSecret: logicalId(stack, stack.headsUp.ingestSecret),
    triage: logicalId(stack, stack.headsUp.triageFunction),
    notify: logicalId(stack, stack.headsUp.notifyFunction),
    http: logicalId(stack, stack.headsUp.httpFunction),
    functionUrl: logicalId(stack, stack.headsUp.functionUrl),
  };
  return { stack, template, ids };
}

function propsOf<P>(template: Template, type: string): Record<string, P> {
  return Object.fromEntries(
    Object.entries(template.findResources(type)).map(([id, resource]) => [id, resource.Properties as P]),
  );
}

function only<T>(record: Record<string, T>, id: string): T {
  const value = record[id];
  if (value === undefined) throw new Error(`no resource ${id} in the template`);
  return value;
}

function actions(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** A statement's resources as a list (a single resource is not wrapped in the template). */
function resources(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** The statements granting any action of a service, e.g. `sqs:` or `secretsmanager:`. */
function statementsFor(statements: Statement[], prefix: string): Statement[] {
  return statements.filter((s) => actions(s).some((action) => action.startsWith(prefix)));
}

/** The actions of `statements` whose Resource is or includes `resource`. */
function actionsOn(statements: Statement[], resource: unknown): string[] {
  return statements
    .filter((s) => JSON.stringify(s.Resource).includes(JSON.stringify(resource)))
    .flatMap(actions);
}

/** Every statement of the identity policies attached to the role that the function runs as. */
function roleStatements(template: Template, functionId: string): Statement[] {
  const fn = only(propsOf<FunctionProps>(template, 'AWS::Lambda::Function'), functionId);
  const roleId = fn.Role['Fn::GetAtt'][0];
  const policies = propsOf<{ Roles: Ref[]; PolicyDocument: { Statement: Statement[] } }>(
    template,
    'AWS::IAM::Policy',
  );
  return Object.values(policies)
    .filter((policy) => policy.Roles.some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.PolicyDocument.Statement);
}

const { stack, template, ids } = build();
const queues = propsOf<QueueProps>(template, 'AWS::SQS::Queue');
const functions = propsOf<FunctionProps>(template, 'AWS::Lambda::Function');
const secrets = propsOf<SecretProps>(template, 'AWS::SecretsManager::Secret');
const queueArn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

describe('queues', () => {
  test('the errors queue redrives to the DLQ after at least 5 receives', () => {
    const redrive = only(queues, ids.queue).RedrivePolicy;
    expect(redrive?.deadLetterTargetArn).toEqual(queueArn(ids.dlq));
    expect(redrive?.maxReceiveCount).toBeGreaterThanOrEqual(5);
  });

  test('the notify queue redrives to its own DLQ after at least 5 receives', () => {
    const redrive = only(queues, ids.notifyQueue).RedrivePolicy;
    expect(redrive?.deadLetterTargetArn).toEqual(queueArn(ids.notifyDlq));
    expect(redrive?.maxReceiveCount).toBeGreaterThanOrEqual(5);
  });

  test('every queue a function consumes has a visibility timeout of at least 6 × its timeout', () => {
    const mappings = Object.values(propsOf<MappingProps>(template, 'AWS::Lambda::EventSourceMapping'));
    // Triage on the errors queue, notify on the notify queue.
    expect(mappings.map((m) => [m.EventSourceArn['Fn::GetAtt'][0], m.FunctionName.Ref]).sort()).toEqual(
      [
        [ids.queue, ids.triage],
        [ids.notifyQueue, ids.notify],
      ].sort(),
    );
    for (const mapping of mappings) {
      const queue = only(queues, mapping.EventSourceArn['Fn::GetAtt'][0]);
      const fn = only(functions, mapping.FunctionName.Ref);
      expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Timeout);
    }
  });

  test('the notify queue hides a message for at least 6 × the notify timeout', () => {
    // Both numbers from the template, so neither the definitions nor the construct can drift.
    const visibility = only(queues, ids.notifyQueue).VisibilityTimeout ?? 30;
    expect(visibility).toBeGreaterThanOrEqual(6 * only(functions, ids.notify).Timeout);
  });

  test('every queue denies requests without TLS', () => {
    const policies = Object.values(
      propsOf<{ Queues: Ref[]; PolicyDocument: { Statement: Statement[] } }>(
        template,
        'AWS::SQS::QueuePolicy',
      ),
    );
    for (const queueId of [ids.queue, ids.dlq, ids.notifyQueue, ids.notifyDlq]) {
      const statements = policies
        .filter((policy) => policy.Queues.some((queue) => queue.Ref === queueId))
        .flatMap((policy) => policy.PolicyDocument.Statement);
      expect(statements).toContainEqual({
        Effect: 'Deny',
        Action: 'sqs:*',
        Principal: { AWS: '*' },
        Resource: queueArn(queueId),
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    }
  });

  test('every queue is encrypted at rest', () => {
    expect(Object.keys(queues).sort()).toEqual([ids.queue, ids.dlq, ids.notifyQueue, ids.notifyDlq].sort());
    for (const queue of Object.values(queues)) {
      expect(queue.SqsManagedSseEnabled === true || queue.KmsMasterKeyId !== undefined).toBe(true);
    }
  });

  test('each DLQ keeps messages 14 days, no less than its queue', () => {
    for (const [queueId, dlqId] of [
      [ids.queue, ids.dlq],
      [ids.notifyQueue, ids.notifyDlq],
    ] as const) {
      const dlqRetention = only(queues, dlqId).MessageRetentionPeriod;
      expect(dlqRetention).toBe(14 * 24 * 3600);
      expect(dlqRetention).toBeGreaterThanOrEqual(
        only(queues, queueId).MessageRetentionPeriod ?? 4 * 24 * 3600,
      );
    }
  });

  test('an alarm fires when one message is visible in either DLQ', () => {
    const alarms = Object.values(propsOf<{ Dimensions: unknown[] }>(template, 'AWS::CloudWatch::Alarm'));
    expect(alarms.map((alarm) => alarm.Dimensions)).toEqual(
      expect.arrayContaining([
        [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.dlq, 'QueueName'] } }],
        [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.notifyDlq, 'QueueName'] } }],
      ]),
    );
    expect(alarms).toHaveLength(2);
    for (const dlq of [ids.dlq, ids.notifyDlq]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  test('both alarms notify the alarmTopic on alarm and on recovery when one is given', () => {
    const app = testApp();
    const topics = new Stack(app, 'Topics');
    const alarmTopic = new sns.Topic(topics, 'Alarms');
    const withTopic = build({ alarmTopic }, app);
    const topicArn = withTopic.stack.resolve(alarmTopic.topicArn);
    type AlarmProps = { Dimensions: unknown[]; AlarmActions?: unknown[]; OKActions?: unknown[] };
    const alarms = Object.values(propsOf<AlarmProps>(withTopic.template, 'AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(2);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topicArn]);
      expect(alarm.OKActions).toEqual([topicArn]);
    }
    for (const alarm of Object.values(propsOf<AlarmProps>(template, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm.AlarmActions).toBeUndefined();
      expect(alarm.OKActions).toBeUndefined();
    }
  });
});

describe('table', () => {
  test('is on-demand with point-in-time recovery, TTL on expiresAt, encryption and the customer index', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });
});

describe('functions', () => {
  test('all three run the current Node runtime on arm64, with source maps, sized from the definitions', () => {
    for (const name of ['triage', 'notify', 'http'] as const) {
      expect(only(functions, ids[name])).toMatchObject({
        Timeout: FUNCTIONS[name].timeoutSeconds,
        MemorySize: FUNCTIONS[name].memoryMb,
      });
    }
    expect(Object.keys(functions).sort()).toEqual([ids.triage, ids.notify, ids.http].sort());
    for (const fn of Object.values(functions)) {
      expect(fn.Runtime).toBe('nodejs24.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  test('each function logs to its own log group with a retention', () => {
    const logGroups = propsOf<{ RetentionInDays?: number }>(template, 'AWS::Logs::LogGroup');
    const used = Object.values(functions).map((fn) => fn.LoggingConfig?.LogGroup?.Ref ?? '');
    expect(new Set(used).size).toBe(3);
    for (const logGroupId of used) expect(only(logGroups, logGroupId).RetentionInDays).toBeGreaterThan(0);
  });

  test('triage consumes the errors queue in batches and reports partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: queueArn(ids.queue),
      FunctionName: { Ref: ids.triage },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: QUEUES.errors.batchSize,
      MaximumBatchingWindowInSeconds: QUEUES.errors.maxBatchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: QUEUES.errors.maxConcurrency },
    });
  });

  test('notify consumes the notify queue in batches, at most maxConcurrency at once, and reports partial batch failures', () => {
    const mappings = Object.values(propsOf<MappingProps>(template, 'AWS::Lambda::EventSourceMapping')).filter(
      (mapping) => mapping.FunctionName.Ref === ids.notify,
    );
    expect(mappings).toEqual([
      {
        EventSourceArn: queueArn(ids.notifyQueue),
        FunctionName: { Ref: ids.notify },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: QUEUES.notify.batchSize,
        MaximumBatchingWindowInSeconds: QUEUES.notify.maxBatchingWindowSeconds,
        ScalingConfig: { MaximumConcurrency: QUEUES.notify.maxConcurrency },
      },
    ]);
  });

  test('triage is wired to the table, the errors and notify queues, the tokens secret, the templates and the public URL', () => {
    const env = only(functions, ids.triage).Environment.Variables;
    expect(env).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      [WIRING_ENV.table]: { Ref: ids.table },
      [WIRING_ENV.errorsQueueUrl]: { Ref: ids.queue },
      [WIRING_ENV.errorsDlqUrl]: { Ref: ids.dlq },
      [WIRING_ENV.notifyQueueUrl]: { Ref: ids.notifyQueue },
      [WIRING_ENV.templates]: 'templates',
      [SECRETS.tokens.arnEnv]: { Ref: ids.tokensSecret },
      SLACK_CHANNEL,
      HEADSUP_PUBLIC_URL: env.HEADSUP_PUBLIC_URL,
      HEADSUP_LINK_TTL: '24h',
      POWERTOOLS_SERVICE_NAME: 'headsup-triage',
      POWERTOOLS_METRICS_NAMESPACE: 'HeadsUp',
    });
    // Derived from the Function URL, without its trailing slash.
    expect(JSON.stringify(env.HEADSUP_PUBLIC_URL)).toContain(`"${ids.functionUrl}","FunctionUrl"`);
  });

  test('notify is wired to the table, its own queue, the tokens secret, the templates and the public URL', () => {
    const env = only(functions, ids.notify).Environment.Variables;
    expect(env).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      [WIRING_ENV.table]: { Ref: ids.table },
      [WIRING_ENV.notifyQueueUrl]: { Ref: ids.notifyQueue },
      [WIRING_ENV.templates]: 'templates',
      [SECRETS.tokens.arnEnv]: { Ref: ids.tokensSecret },
      HEADSUP_PUBLIC_URL: only(functions, ids.triage).Environment.Variables.HEADSUP_PUBLIC_URL,
      POWERTOOLS_SERVICE_NAME: 'headsup-notify',
      POWERTOOLS_METRICS_NAMESPACE: 'HeadsUp',
    });
    expect(JSON.stringify(env.HEADSUP_PUBLIC_URL)).toContain(`"${ids.functionUrl}","FunctionUrl"`);
  });

  test('http is wired to the table, the errors and notify queues, its two secrets and the link lifetime, and nothing else', () => {
    // No HEADSUP_PUBLIC_URL by default: it would be the function's own URL (a cycle); the Help Scout
    // sidebar then links to the origin it was called at.
    expect(only(functions, ids.http).Environment.Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      [WIRING_ENV.table]: { Ref: ids.table },
      [WIRING_ENV.errorsQueueUrl]: { Ref: ids.queue },
      [WIRING_ENV.notifyQueueUrl]: { Ref: ids.notifyQueue },
      [SECRETS.webhooks.arnEnv]: { Ref: ids.webhookSecret },
      [SECRETS.ingest.arnEnv]: { Ref: ids.ingestSecret },
      HEADSUP_LINK_TTL: '24h',
      POWERTOOLS_SERVICE_NAME: 'headsup-http',
    });
  });

  test('a given publicUrl and linkTtl reach the http function too (the Help Scout sidebar’s links and window)', () => {
    const custom = build({ publicUrl: 'https://headsup.example.com/', linkTtl: '15m' });
    const env = only(propsOf<FunctionProps>(custom.template, 'AWS::Lambda::Function'), custom.ids.http)
      .Environment.Variables;
    expect(env.HEADSUP_PUBLIC_URL).toBe('https://headsup.example.com');
    expect(env.HEADSUP_LINK_TTL).toBe('15m');
  });

  test('the Intercom ids reach notify (admin and app id) and triage (app id) only when given', () => {
    const env = (built: ReturnType<typeof build>, fn: 'triage' | 'notify' | 'http') =>
      only(propsOf<FunctionProps>(built.template, 'AWS::Lambda::Function'), built.ids[fn]).Environment
        .Variables;
    const given = build({
      intercomAdminId: ` ${INTERCOM.intercomAdminId} `,
      intercomAppId: INTERCOM.intercomAppId,
    });
    expect(env(given, 'notify')).toMatchObject({
      INTERCOM_ADMIN_ID: INTERCOM.intercomAdminId,
      INTERCOM_APP_ID: INTERCOM.intercomAppId,
    });
    expect(env(given, 'triage')).toMatchObject({ INTERCOM_APP_ID: INTERCOM.intercomAppId });
    expect(env(given, 'triage')).not.toHaveProperty('INTERCOM_ADMIN_ID');
    expect(Object.keys(env(given, 'http')).filter((name) => name.startsWith('INTERCOM_'))).toEqual([]);
    // One without the other: only that one is set.
    const appOnly = build({ intercomAppId: INTERCOM.intercomAppId });
    expect(env(appOnly, 'notify')).toHaveProperty('INTERCOM_APP_ID');
    expect(env(appOnly, 'notify')).not.toHaveProperty('INTERCOM_ADMIN_ID');
    // Absent (the default build): no INTERCOM_* variable anywhere, rather than an empty one.
    for (const fn of Object.values(functions)) {
      expect(Object.keys(fn.Environment.Variables).filter((name) => name.startsWith('INTERCOM_'))).toEqual(
        [],
      );
    }
  });

  test('inappSeenWithin reaches notify only when given, and a bad one fails at synth', () => {
    const notifyEnvOf = (built: ReturnType<typeof build>) =>
      only(propsOf<FunctionProps>(built.template, 'AWS::Lambda::Function'), built.ids.notify).Environment
        .Variables;
    expect(notifyEnvOf(build())).not.toHaveProperty('HEADSUP_INAPP_SEEN_WITHIN');
    expect(notifyEnvOf(build({ inappSeenWithin: '2h' })).HEADSUP_INAPP_SEEN_WITHIN).toBe('2h');
    expect(() => build({ inappSeenWithin: '2 hours' })).toThrow(
      new ConfigError(
        'HeadsUp: inappSeenWithin "2 hours" is not a duration — expected e.g. 30m, 2h or 1d, from 1m to 30d',
      ),
    );
  });

  test('publicUrl and linkTtl props override the defaults', () => {
    const custom = build({ publicUrl: 'https://headsup.example.com/', linkTtl: '15m' });
    const customFunctions = propsOf<FunctionProps>(custom.template, 'AWS::Lambda::Function');
    const env = only(customFunctions, custom.ids.triage).Environment.Variables;
    expect(env.HEADSUP_PUBLIC_URL).toBe('https://headsup.example.com');
    expect(env.HEADSUP_LINK_TTL).toBe('15m');
    expect(only(customFunctions, custom.ids.notify).Environment.Variables.HEADSUP_PUBLIC_URL).toBe(
      'https://headsup.example.com',
    );
    custom.template.hasOutput('DetailLinkBaseUrl', { Value: 'https://headsup.example.com/e/' });
  });

  test('bad props fail at synth with a one-line config error quoting the value, worded as the function would at start', () => {
    expect(() => build({ slackChannel: ' ' })).toThrow(
      new ConfigError('HeadsUp: slackChannel "" empty — expected a Slack channel id such as C0123456789'),
    );
    expect(() => build({ slackChannel: '#alerts' })).toThrow(
      new ConfigError(
        'HeadsUp: slackChannel "#alerts" expected a Slack channel id such as C0123456789 (channel details → bottom of the About tab)',
      ),
    );
    // The duration rule quotes the value itself: once.
    expect(() => build({ linkTtl: '24 hours' })).toThrow(
      new ConfigError(
        'HeadsUp: linkTtl "24 hours" is not a duration — expected e.g. 24h, 15m or 90s, from 1m to 30d',
      ),
    );
    // Bounded as the functions bound it: a lifetime no Date can hold would fail every detail page.
    expect(() => build({ linkTtl: '9999999999d' })).toThrow(
      new ConfigError(
        'HeadsUp: linkTtl "9999999999d" is too long — expected from 1m to 30d, e.g. 24h, 15m or 90s',
      ),
    );
    expect(() => build({ linkTtl: '0s' })).toThrow(
      new ConfigError('HeadsUp: linkTtl "0s" is too short — expected from 1m to 30d, e.g. 24h, 15m or 90s'),
    );
    // The URL rule of the functions, and a password in the URL is not printed back.
    expect(() => build({ publicUrl: 'https://my host.example/path' })).toThrow(
      new ConfigError(
        'HeadsUp: publicUrl "https://my host.example/path" contains a space, line break or control character — expected the base URL of detail links, e.g. https://…',
      ),
    );
    expect(() => build({ publicUrl: 'https://user:PW-s3cret@h.example' })).toThrow(
      new ConfigError(
        'HeadsUp: publicUrl "https://…@h.example" has a user name or password in it — expected the base URL of detail links, e.g. https://…',
      ),
    );
    expect(() => build({ publicUrl: 'https://h.example/?a=1' })).toThrow(
      /^HeadsUp: publicUrl "https:\/\/h\.example\/\?a=1" has a query or fragment/,
    );
    expect(() => build({ publicUrl: 'headsup.example.com' })).toThrow(
      new ConfigError(
        'HeadsUp: publicUrl "headsup.example.com" expected the base URL of detail links, e.g. https://…',
      ),
    );
    // A long value is clipped, and quoted as JSON so the message stays one line.
    expect(() => build({ publicUrl: `${'x'.repeat(80)}\n` })).toThrow(
      new ConfigError(
        `HeadsUp: publicUrl "${'x'.repeat(59)}…" expected the base URL of detail links, e.g. https://…`,
      ),
    );
    expect(() => build({ intercomAdminId: 'admin-1' })).toThrow(
      new ConfigError(
        'HeadsUp: intercomAdminId "admin-1" expected the numeric id of an Intercom admin (Settings → Teammates, or GET /admins)',
      ),
    );
    for (const intercomAdminId of ['', ' ', '12a', '1 2', '-5']) {
      expect(() => build({ intercomAdminId })).toThrow(
        /^HeadsUp: intercomAdminId "[^"]*" (empty — )?expected the (numeric )?id of (an|the) Intercom admin[^\n]*$/,
      );
    }
    expect(() => build({ intercomAppId: 'abc-def' })).toThrow(
      new ConfigError(
        'HeadsUp: intercomAppId "abc-def" expected the Intercom app id (workspace id), e.g. abc123de, from the Intercom URL',
      ),
    );
    for (const intercomAppId of ['', ' ', 'a b', 'abc/def', 'app.id']) {
      expect(() => build({ intercomAppId })).toThrow(
        /^HeadsUp: intercomAppId "[^"]*" expected the Intercom app id/,
      );
    }
    // The accepted forms.
    expect(() => build({ intercomAdminId: '7', intercomAppId: 'A_b9' })).not.toThrow();
  });

  test('the http function has a Function URL without IAM auth', () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [ids.http, 'Arn'] },
    });
  });
});

describe('each function is given what its configuration reads, and nothing else', () => {
  const CONFIGS = {
    triage: { load: loadTriageConfig, reads: variablesRead('triage') },
    notify: { load: loadNotifyConfig, reads: variablesRead('notify') },
    http: { load: loadWebConfig, reads: variablesRead('web') },
  };
  const NAMES = ['triage', 'notify', 'http'] as const;
  /** The Lambda runtime's and Powertools' own variables: no Heads-up configuration reads them. */
  const RUNTIME_VARIABLES = ['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE'];
  /** Stands in for a value known at deploy (a name, a URL): every setting the stack fills accepts a URL. */
  const DEPLOY_TIME_VALUE = 'https://deploy-time.example/value';
  /** Stands in for a secret's value put by hand or generated: long enough for every secret's rule. */
  const SECRET_VALUE = 'placeholder-0123456789';
  // PagerDuty's integration keys are 32 characters.
  const ROUTING_KEY = 'routingkey-0123456789abcdefghijk';

  /** What the function reads at start on AWS: its variables, and the keys of each secret it has the ARN of. */
  function startEnv(variables: Record<string, unknown>): Env {
    const env: Env = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : DEPLOY_TIME_VALUE,
      ]),
    );
    for (const { arnEnv, keys } of Object.values(SECRETS)) {
      if (env[arnEnv] !== undefined)
        for (const key of keys) env[key] = key === 'PAGERDUTY_ROUTING_KEY' ? ROUTING_KEY : SECRET_VALUE;
    }
    return env;
  }

  // Every optional prop, so that every variable the construct can set is checked.
  const full = build({ ...INTERCOM, publicUrl: 'https://headsup.example.com', linkTtl: '1h' });
  const variablesOf = (built: ReturnType<typeof build>, name: (typeof NAMES)[number]) =>
    only(propsOf<FunctionProps>(built.template, 'AWS::Lambda::Function'), built.ids[name]).Environment
      .Variables;

  test.each(NAMES)('%s: its variables and its secrets’ keys satisfy its configuration', (name) => {
    expect(() => CONFIGS[name].load(startEnv(variablesOf(full, name)))).not.toThrow();
  });

  test.each(NAMES)('%s: every variable it is given is read by its configuration', (name) => {
    const { reads } = CONFIGS[name];
    const given = Object.keys(variablesOf(full, name));
    const secrets = Object.values(SECRETS).filter((secret) => given.includes(secret.arnEnv));
    const arnVariables: string[] = secrets.map((secret) => secret.arnEnv);
    const unread = given.filter(
      (variable) =>
        !reads.includes(variable) &&
        !RUNTIME_VARIABLES.includes(variable) &&
        !arnVariables.includes(variable),
    );
    expect(unread).toEqual([]);
    // A secret it may read holds something it reads.
    const unused = secrets.filter(({ keys }) => !keys.some((key) => reads.includes(key)));
    expect(unused.map((secret) => secret.arnEnv)).toEqual([]);
  });

  test('without the optional props triage and http start; notify stops naming INTERCOM_ADMIN_ID, as synth warns', () => {
    const plain = build();
    expect(() => loadTriageConfig(startEnv(variablesOf(plain, 'triage')))).not.toThrow();
    expect(() => loadWebConfig(startEnv(variablesOf(plain, 'http')))).not.toThrow();
    expect(() => loadNotifyConfig(startEnv(variablesOf(plain, 'notify')))).toThrow(
      /^Configuration error: INTERCOM_ADMIN_ID missing/,
    );
  });
});

describe('secrets', () => {
  test('no function environment holds a secret value, only the three secret ARNs', () => {
    // With every optional prop, so that every variable the construct can set is checked.
    const full = build({ ...INTERCOM, publicUrl: 'https://headsup.example.com', linkTtl: '1h' });
    const suspicious = /TOKEN|SECRET|KEY|PASSWORD|SIGNING|HELPSCOUT/i;
    const allowed: Record<string, unknown> = {
      [SECRETS.tokens.arnEnv]: { Ref: full.ids.tokensSecret },
      [SECRETS.webhooks.arnEnv]: { Ref: full.ids.webhookSecret },
      [SECRETS.ingest.arnEnv]: { Ref: full.ids.ingestSecret },
    };
    const secretKeys = Object.values(SECRETS).flatMap((secret) => secret.keys);
    const seen = new Set<string>();
    for (const fn of Object.values(propsOf<FunctionProps>(full.template, 'AWS::Lambda::Function'))) {
      for (const [name, value] of Object.entries(fn.Environment.Variables)) {
        expect(secretKeys).not.toContain(name);
        if (!suspicious.test(name)) continue;
        seen.add(name);
        expect(Object.keys(allowed)).toContain(name);
        expect(value).toEqual(allowed[name]);
      }
    }
    // The check is live: the three ARN variables are present and caught by the pattern.
    expect([...seen].sort()).toEqual(Object.keys(allowed).sort());
  });

  test('there are three secrets: the outbound tokens, the webhook secrets and the ingest keys', () => {
    expect(Object.keys(secrets).sort()).toEqual(
      [ids.tokensSecret, ids.webhookSecret, ids.ingestSecret].sort(),
    );
  });

  test('the tokens and webhook secrets hold exactly their keys, as placeholders, and their descriptions list them', () => {
    const placeholders = [
      [ids.tokensSecret, ['SLACK_BOT_TOKEN', 'INTERCOM_TOKEN', 'PAGERDUTY_ROUTING_KEY']],
      [ids.webhookSecret, ['SLACK_SIGNING_SECRET', 'HELPSCOUT_SECRET']],
    ] as const;
    for (const [id, keys] of placeholders) {
      const secret = only(secrets, id);
      expect(secret.GenerateSecretString).toBeUndefined();
      expect(JSON.parse(secret.SecretString ?? '{}')).toEqual(
        Object.fromEntries(keys.map((key) => [key, SECRET_PLACEHOLDER])),
      );
      for (const key of keys) expect(secret.Description).toContain(key);
    }
    expect(JSON.stringify(template.toJSON())).not.toMatch(/xox[abposr]-/);
  });

  test('the ingest key is generated at deploy: letters and digits, at least 32, never in the template', () => {
    const secret = only(secrets, ids.ingestSecret);
    expect(secret.SecretString).toBeUndefined();
    const generate = secret.GenerateSecretString;
    expect(generate).toMatchObject({
      SecretStringTemplate: '{}',
      GenerateStringKey: 'HEADSUP_INGEST_KEYS',
      ExcludePunctuation: true,
    });
    // CloudFormation's defaults: no spaces, 32 characters.
    expect(generate?.IncludeSpace ?? false).toBe(false);
    expect(generate?.PasswordLength ?? 32).toBeGreaterThanOrEqual(32);
    // The description names the key and tells how to rotate without breaking producers.
    expect(secret.Description).toContain('HEADSUP_INGEST_KEYS');
    expect(secret.Description).toContain('put-secret-value');
    expect(secret.Description).toContain('"old,new"');
    expect(secret.Description).toContain('"new"');
  });
});

describe('least privilege', () => {
  const tableWrites = [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ];
  const consume = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:*'];

  test.each([
    ['http', ['dynamodb:GetItem', 'dynamodb:UpdateItem'], ['dynamodb:Query']],
    ['triage', ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], []],
    [
      'notify',
      [
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ],
      [],
    ],
  ] as const)(
    '%s gets exactly the table calls it makes, and the index only if it queries it',
    (fn, onTable, onIndex) => {
      const statements = statementsFor(roleStatements(template, ids[fn]), 'dynamodb:');
      const tableArn = JSON.stringify([{ 'Fn::GetAtt': [ids.table, 'Arn'] }]);
      const table = statements.filter((s) => JSON.stringify(resources(s)) === tableArn);
      const index = statements.filter((s) =>
        JSON.stringify(resources(s)).includes(`/index/${TABLE.customerIndex.name}`),
      );
      expect(table.length + index.length).toBe(statements.length); // nothing on any other resource
      expect(table.flatMap(actions).sort()).toEqual([...onTable]);
      expect(index.flatMap(actions).sort()).toEqual([...onIndex]);
    },
  );

  test('the http function reads the table and writes only group items (an alert button’s status)', () => {
    const statements = roleStatements(template, ids.http);
    const granted = statements.flatMap(actions);
    expect(granted).toContain('dynamodb:GetItem');
    for (const action of [...tableWrites.filter((a) => a !== 'dynamodb:UpdateItem'), 'dynamodb:*', '*'])
      expect(granted).not.toContain(action);
    const writes = statements.filter((s) => actions(s).includes('dynamodb:UpdateItem'));
    expect(writes).toHaveLength(1);
    expect(writes[0]!.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['GROUP#*'] },
    });
  });

  test('the http function may send to the errors and notify queues only: no DLQ, no receive or delete', () => {
    const statements = roleStatements(template, ids.http);
    expect(actionsOn(statements, queueArn(ids.queue))).toContain('sqs:SendMessage');
    expect(actionsOn(statements, queueArn(ids.notifyQueue))).toContain('sqs:SendMessage');
    expect(actionsOn(statements, queueArn(ids.dlq))).toEqual([]);
    expect(actionsOn(statements, queueArn(ids.notifyDlq))).toEqual([]);
    const sqsActions = statements.flatMap(actions).filter((action) => action.startsWith('sqs:'));
    for (const action of consume) expect(sqsActions).not.toContain(action);
    // Every SQS statement names those two queues and nothing else.
    for (const statement of statementsFor(statements, 'sqs:')) {
      for (const resource of resources(statement)) {
        expect([queueArn(ids.queue), queueArn(ids.notifyQueue)]).toContainEqual(resource);
      }
    }
  });

  test('the http function can read the webhook and ingest secrets but not the outbound tokens', () => {
    const statements = roleStatements(template, ids.http);
    expect(actionsOn(statements, { Ref: ids.webhookSecret })).toContain('secretsmanager:GetSecretValue');
    expect(actionsOn(statements, { Ref: ids.ingestSecret })).toContain('secretsmanager:GetSecretValue');
    expect(actionsOn(statements, { Ref: ids.tokensSecret })).toEqual([]);
    for (const statement of statementsFor(statements, 'secretsmanager:')) {
      for (const resource of resources(statement)) {
        expect([{ Ref: ids.webhookSecret }, { Ref: ids.ingestSecret }]).toContainEqual(resource);
      }
    }
  });

  test('triage can send to the errors queue, its DLQ and the notify queue, and read the tokens', () => {
    const statements = roleStatements(template, ids.triage);
    const on = (resource: unknown) => actionsOn(statements, resource);
    expect(on(queueArn(ids.queue))).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:SendMessage']),
    );
    expect(on(queueArn(ids.dlq))).toContain('sqs:SendMessage');
    expect(on(queueArn(ids.notifyQueue))).toContain('sqs:SendMessage');
    // It only sends to the notify queue: consuming it is the notify function's job.
    for (const action of consume) expect(on(queueArn(ids.notifyQueue))).not.toContain(action);
    expect(on({ Ref: ids.tokensSecret })).toContain('secretsmanager:GetSecretValue');
    for (const statement of statementsFor(statements, 'secretsmanager:')) {
      expect(resources(statement)).toEqual([{ Ref: ids.tokensSecret }]);
    }
  });

  test('notify can consume its queue, send only to it (a job waiting on a busy guard) and read the tokens', () => {
    const statements = roleStatements(template, ids.notify);
    const on = (resource: unknown) => actionsOn(statements, resource);
    expect(on(queueArn(ids.notifyQueue))).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:SendMessage']),
    );
    const sqsActions = statements.flatMap(actions).filter((action) => action.startsWith('sqs:'));
    expect(sqsActions).not.toContain('sqs:*');
    for (const statement of statementsFor(statements, 'sqs:')) {
      expect(resources(statement)).toEqual([queueArn(ids.notifyQueue)]);
    }
    expect(on({ Ref: ids.tokensSecret })).toContain('secretsmanager:GetSecretValue');
    for (const statement of statementsFor(statements, 'secretsmanager:')) {
      expect(resources(statement)).toEqual([{ Ref: ids.tokensSecret }]);
    }
  });

  test('no role uses AWS managed policies or a wildcard resource', () => {
    for (const role of Object.values(
      propsOf<{ ManagedPolicyArns?: unknown[] }>(template, 'AWS::IAM::Role'),
    )) {
      expect(role.ManagedPolicyArns).toBeUndefined();
    }
    for (const policy of Object.values(
      propsOf<{ PolicyDocument: { Statement: Statement[] } }>(template, 'AWS::IAM::Policy'),
    )) {
      for (const statement of policy.PolicyDocument.Statement) {
        expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|\/\*"/);
      }
    }
  });

  test('grantSendErrors lets a producer send to the errors queue', () => {
    let producer: iam.Role | undefined;
    const { stack, template } = build({}, testApp(), (stack) => {
      producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
      stack.headsUp.grantSendErrors(producer);
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(stack, producer!) }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
            Resource: queueArn(logicalId(stack, stack.headsUp.errorsQueue)),
          },
        ],
      },
    });
  });
});

describe('outputs', () => {
  const outputs = template.findOutputs('*');
  const functionUrl = { 'Fn::GetAtt': [ids.functionUrl, 'FunctionUrl'] };

  test('every URL and name a user pastes somewhere is an output', () => {
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'DetailLinkBaseUrl',
        'ErrorsDlqUrl',
        'ErrorsQueueArn',
        'ErrorsQueueUrl',
        'FunctionUrl',
        'GetIngestKeyCommand',
        'HelpScoutCallbackUrl',
        'IngestKeySecretName',
        'IngestUrl',
        'NotifyDlqUrl',
        'SetTokensCommand',
        'SetWebhookSecretsCommand',
        'SlackInteractivityUrl',
        'TokensSecretName',
        'WebhookSecretName',
      ].sort(),
    );
    expect(outputs.FunctionUrl?.Value).toEqual(functionUrl);
    expect(outputs.ErrorsQueueUrl?.Value).toEqual({ Ref: ids.queue });
    expect(outputs.ErrorsQueueArn?.Value).toEqual(queueArn(ids.queue));
    expect(outputs.ErrorsDlqUrl?.Value).toEqual({ Ref: ids.dlq });
    expect(outputs.NotifyDlqUrl?.Value).toEqual({ Ref: ids.notifyDlq });
    expect(JSON.stringify(outputs.DetailLinkBaseUrl?.Value)).toMatch(/\/e\/"\]\]\}$/);
  });

  test('the Slack interactivity URL is the Function URL plus slack/actions', () => {
    // The Function URL ends with '/'.
    expect(outputs.SlackInteractivityUrl?.Value).toEqual({
      'Fn::Join': ['', [functionUrl, 'slack/actions']],
    });
  });

  test('the Help Scout callback URL is the Function URL plus helpscout, and says where the secret goes', () => {
    expect(outputs.HelpScoutCallbackUrl?.Value).toEqual({ 'Fn::Join': ['', [functionUrl, 'helpscout']] });
    expect(outputs.HelpScoutCallbackUrl?.Description).toContain('HELPSCOUT_SECRET');
  });

  test('the secret names and the commands that put the real values name the right secret and keys', () => {
    expect(outputs.TokensSecretName?.Value).toEqual(stack.resolve(stack.headsUp.tokensSecret.secretName));
    expect(JSON.stringify(outputs.TokensSecretName?.Value)).toContain(
      JSON.stringify({ Ref: ids.tokensSecret }),
    );
    expect(outputs.WebhookSecretName?.Value).toEqual(stack.resolve(stack.headsUp.webhookSecret.secretName));
    expect(JSON.stringify(outputs.WebhookSecretName?.Value)).toContain(
      JSON.stringify({ Ref: ids.webhookSecret }),
    );
    expect(outputs.SetTokensCommand?.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'aws secretsmanager put-secret-value --secret-id ',
          { Ref: ids.tokensSecret },
          ` --secret-string '{"SLACK_BOT_TOKEN":"<value>","INTERCOM_TOKEN":"<value>","PAGERDUTY_ROUTING_KEY":"<value>"}'`,
        ],
      ],
    });
    expect(outputs.SetWebhookSecretsCommand?.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'aws secretsmanager put-secret-value --secret-id ',
          { Ref: ids.webhookSecret },
          ` --secret-string '{"SLACK_SIGNING_SECRET":"<value>","HELPSCOUT_SECRET":"<value>"}'`,
        ],
      ],
    });
  });

  test('the ingest URL, the ingest secret name and a command printing the key are outputs', () => {
    expect(outputs.IngestUrl?.Value).toEqual({ 'Fn::Join': ['', [functionUrl, 'v1/errors']] });
    expect(outputs.IngestKeySecretName?.Value).toEqual(stack.resolve(stack.headsUp.ingestSecret.secretName));
    expect(JSON.stringify(outputs.IngestKeySecretName?.Value)).toContain(
      JSON.stringify({ Ref: ids.ingestSecret }),
    );
    expect(outputs.GetIngestKeyCommand?.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'aws secretsmanager get-secret-value --secret-id ',
          { Ref: ids.ingestSecret },
          ' --query SecretString --output text',
        ],
      ],
    });
  });
});

describe('configuration from the CDK context', () => {
  const scope = (context: Record<string, unknown>) => testApp(context);

  test('the context wins over SLACK_CHANNEL, which is the fallback', () => {
    expect(
      headsUpPropsFromContext(scope({ slackChannel: 'CCONTEXT' }), { SLACK_CHANNEL: 'CENV' }).slackChannel,
    ).toBe('CCONTEXT');
    expect(headsUpPropsFromContext(scope({}), { SLACK_CHANNEL: 'CENV' }).slackChannel).toBe('CENV');
  });

  test('passes publicUrl, linkTtl and the Intercom ids through', () => {
    expect(
      headsUpPropsFromContext(
        scope({
          slackChannel: 'C1',
          publicUrl: 'https://h.example',
          linkTtl: '2h',
          intercomAdminId: '42',
          intercomAppId: 'app1',
        }),
        {},
      ),
    ).toEqual({
      slackChannel: 'C1',
      publicUrl: 'https://h.example',
      linkTtl: '2h',
      intercomAdminId: '42',
      intercomAppId: 'app1',
    });
  });

  test('the Intercom ids fall back to INTERCOM_ADMIN_ID and INTERCOM_APP_ID, and are absent without either', () => {
    const env = { INTERCOM_ADMIN_ID: ' 7 ', INTERCOM_APP_ID: 'envapp' };
    expect(headsUpPropsFromContext(scope({ slackChannel: 'C1' }), env)).toMatchObject({
      intercomAdminId: '7',
      intercomAppId: 'envapp',
    });
    expect(
      headsUpPropsFromContext(
        scope({ slackChannel: 'C1', intercomAdminId: '42', intercomAppId: 'ctx' }),
        env,
      ),
    ).toMatchObject({ intercomAdminId: '42', intercomAppId: 'ctx' });
    const none = headsUpPropsFromContext(scope({ slackChannel: 'C1' }), { INTERCOM_ADMIN_ID: ' ' });
    expect(none.intercomAdminId).toBeUndefined();
    expect(none.intercomAppId).toBeUndefined();
  });

  test('an unquoted admin id in cdk.json (a number) is taken as its digits; other non-strings fail', () => {
    expect(
      headsUpPropsFromContext(scope({ slackChannel: 'C1', intercomAdminId: 1234567 }), {}).intercomAdminId,
    ).toBe('1234567');
    expect(() => headsUpPropsFromContext(scope({ slackChannel: 'C1', intercomAppId: 12 }), {})).toThrow(
      new ConfigError('Context intercomAppId must be a string'),
    );
    expect(() => headsUpPropsFromContext(scope({ slackChannel: 'C1', intercomAdminId: 1.5 }), {})).toThrow(
      new ConfigError('Context intercomAdminId must be a string or a whole number'),
    );
  });

  test('a missing channel fails with one line naming both ways to set it', () => {
    expect(() => headsUpPropsFromContext(scope({}), {})).toThrow(
      new ConfigError('Slack channel not set: pass -c slackChannel=C0123456789 or set SLACK_CHANNEL'),
    );
  });
});

describe('without intercomAdminId', () => {
  it('warns at synth that fix messages cannot be sent', () => {
    const stack = new HeadsUpStack(testApp(), 'NoIntercom', { headsUp: { slackChannel: 'C0123456789' } });
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('intercomAdminId is not set: fix messages'),
    );
  });
});
