import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  FUNCTIONS,
  INGEST_SECRET_KEY,
  QUEUES,
  SECRET_KEYS,
  SECRET_PLACEHOLDER,
  TABLE,
  WIRING_ENV,
} from '../../lib/definitions';
import { HeadsUpConfigError, type HeadsUpProps } from '../../lib/headsup';
import { HeadsUpStack, headsUpPropsFromContext } from '../../lib/headsup-stack';
import { logicalId, testApp } from './test-app';

const SLACK_CHANNEL = 'C0123456789';

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
    secret: logicalId(stack, stack.headsUp.secret),
    ingestSecret: logicalId(stack, stack.headsUp.ingestSecret),
    triage: logicalId(stack, stack.headsUp.triageFunction),
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

const { template, ids } = build();
const queues = propsOf<QueueProps>(template, 'AWS::SQS::Queue');
const functions = propsOf<FunctionProps>(template, 'AWS::Lambda::Function');

describe('queues', () => {
  test('the errors queue redrives to the DLQ after at least 5 receives', () => {
    const redrive = only(queues, ids.queue).RedrivePolicy;
    expect(redrive?.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [ids.dlq, 'Arn'] });
    expect(redrive?.maxReceiveCount).toBeGreaterThanOrEqual(5);
  });

  test('every queue a function consumes has a visibility timeout of at least 6 × its timeout', () => {
    const mappings = Object.values(
      propsOf<{ EventSourceArn: GetAtt; FunctionName: Ref }>(template, 'AWS::Lambda::EventSourceMapping'),
    );
    expect(mappings).toHaveLength(1);
    for (const mapping of mappings) {
      const queue = only(queues, mapping.EventSourceArn['Fn::GetAtt'][0]);
      const fn = only(functions, mapping.FunctionName.Ref);
      expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Timeout);
    }
  });

  test('both queues deny requests without TLS', () => {
    const policies = Object.values(
      propsOf<{ Queues: Ref[]; PolicyDocument: { Statement: Statement[] } }>(
        template,
        'AWS::SQS::QueuePolicy',
      ),
    );
    for (const queueId of [ids.queue, ids.dlq]) {
      const statements = policies
        .filter((policy) => policy.Queues.some((queue) => queue.Ref === queueId))
        .flatMap((policy) => policy.PolicyDocument.Statement);
      expect(statements).toContainEqual({
        Effect: 'Deny',
        Action: 'sqs:*',
        Principal: { AWS: '*' },
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    }
  });

  test('both queues are encrypted at rest', () => {
    expect(Object.keys(queues).sort()).toEqual([ids.queue, ids.dlq].sort());
    for (const queue of Object.values(queues)) {
      expect(queue.SqsManagedSseEnabled === true || queue.KmsMasterKeyId !== undefined).toBe(true);
    }
  });

  test('the DLQ keeps messages 14 days, no less than the errors queue', () => {
    const dlqRetention = only(queues, ids.dlq).MessageRetentionPeriod;
    expect(dlqRetention).toBe(14 * 24 * 3600);
    expect(dlqRetention).toBeGreaterThanOrEqual(
      only(queues, ids.queue).MessageRetentionPeriod ?? 4 * 24 * 3600,
    );
  });

  test('an alarm fires when one message is visible in the DLQ', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.dlq, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
  });

  test('the alarm notifies the alarmTopic when one is given', () => {
    const app = testApp();
    const alarmTopic = new sns.Topic(new Stack(app, 'Topics'), 'Alarms');
    const withTopic = build({ alarmTopic }, app);
    const alarms = Object.values(
      propsOf<{ AlarmActions?: unknown[] }>(withTopic.template, 'AWS::CloudWatch::Alarm'),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.AlarmActions).toHaveLength(1);
    expect(
      Object.values(propsOf<{ AlarmActions?: unknown[] }>(template, 'AWS::CloudWatch::Alarm'))[0]
        ?.AlarmActions,
    ).toBeUndefined();
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
  test('both run the current Node runtime on arm64, with source maps, sized from the definitions', () => {
    expect(only(functions, ids.triage)).toMatchObject({
      Timeout: FUNCTIONS.triage.timeoutSeconds,
      MemorySize: FUNCTIONS.triage.memoryMb,
    });
    expect(only(functions, ids.http)).toMatchObject({
      Timeout: FUNCTIONS.http.timeoutSeconds,
      MemorySize: FUNCTIONS.http.memoryMb,
    });
    expect(Object.keys(functions).sort()).toEqual([ids.triage, ids.http].sort());
    for (const fn of Object.values(functions)) {
      expect(fn.Runtime).toBe('nodejs24.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  test('each function logs to its own log group with a retention', () => {
    const logGroups = propsOf<{ RetentionInDays?: number }>(template, 'AWS::Logs::LogGroup');
    for (const fn of Object.values(functions)) {
      const logGroupId = fn.LoggingConfig?.LogGroup?.Ref ?? '';
      expect(only(logGroups, logGroupId).RetentionInDays).toBeGreaterThan(0);
    }
  });

  test('triage consumes the errors queue in batches and reports partial batch failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
      FunctionName: { Ref: ids.triage },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: QUEUES.errors.batchSize,
      MaximumBatchingWindowInSeconds: QUEUES.errors.maxBatchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: QUEUES.errors.maxConcurrency },
    });
  });

  test('triage is wired to the table, both queues, the secret and the public URL', () => {
    const env = only(functions, ids.triage).Environment.Variables;
    expect(env).toMatchObject({
      [WIRING_ENV.table]: { Ref: ids.table },
      [WIRING_ENV.errorsQueueUrl]: { Ref: ids.queue },
      [WIRING_ENV.errorsDlqUrl]: { Ref: ids.dlq },
      [WIRING_ENV.secretArn]: { Ref: ids.secret },
      SLACK_CHANNEL,
      HEADSUP_LINK_TTL: '24h',
      POWERTOOLS_SERVICE_NAME: 'headsup-triage',
      POWERTOOLS_METRICS_NAMESPACE: 'HeadsUp',
    });
    // Derived from the Function URL, without its trailing slash.
    expect(JSON.stringify(env.HEADSUP_PUBLIC_URL)).toContain(`"${ids.functionUrl}","FunctionUrl"`);
  });

  test('http is wired to the table, the errors queue and the ingest secret, and nothing else', () => {
    const env = only(functions, ids.http).Environment.Variables;
    expect(env).toMatchObject({
      [WIRING_ENV.table]: { Ref: ids.table },
      [WIRING_ENV.errorsQueueUrl]: { Ref: ids.queue },
      [WIRING_ENV.ingestSecretArn]: { Ref: ids.ingestSecret },
      POWERTOOLS_SERVICE_NAME: 'headsup-http',
    });
    expect(env).not.toHaveProperty(WIRING_ENV.errorsDlqUrl);
    expect(env).not.toHaveProperty(WIRING_ENV.secretArn);
  });

  test('publicUrl and linkTtl props override the defaults', () => {
    const custom = build({ publicUrl: 'https://headsup.example.com/', linkTtl: '15m' });
    const env = only(propsOf<FunctionProps>(custom.template, 'AWS::Lambda::Function'), custom.ids.triage)
      .Environment.Variables;
    expect(env.HEADSUP_PUBLIC_URL).toBe('https://headsup.example.com');
    expect(env.HEADSUP_LINK_TTL).toBe('15m');
    custom.template.hasOutput('DetailLinkBaseUrl', { Value: 'https://headsup.example.com/e/' });
  });

  test('bad props fail at synth with a config error', () => {
    expect(() => build({ slackChannel: ' ' })).toThrow(HeadsUpConfigError);
    expect(() => build({ slackChannel: '#alerts' })).toThrow(/slackChannel "#alerts"/);
    expect(() => build({ linkTtl: '24 hours' })).toThrow(/linkTtl/);
    expect(() => build({ publicUrl: 'headsup.example.com' })).toThrow(/publicUrl/);
  });

  test('the http function has a Function URL without IAM auth', () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [ids.http, 'Arn'] },
    });
  });
});

describe('secrets', () => {
  test('no function environment holds a secret value, only the secret ARNs', () => {
    const suspicious = /TOKEN|SECRET|KEY|PASSWORD|SIGNING/i;
    const allowed: Record<string, unknown> = {
      [WIRING_ENV.secretArn]: { Ref: ids.secret },
      [WIRING_ENV.ingestSecretArn]: { Ref: ids.ingestSecret },
    };
    const seen: string[] = [];
    for (const fn of Object.values(functions)) {
      for (const [name, value] of Object.entries(fn.Environment.Variables)) {
        if (!suspicious.test(name)) continue;
        seen.push(name);
        expect(Object.keys(allowed)).toContain(name);
        expect(value).toEqual(allowed[name]);
      }
    }
    // The check is live: both ARN variables are present and caught by the pattern.
    expect(seen.sort()).toEqual(Object.keys(allowed).sort());
  });

  test('there are two secrets: the Slack tokens and the ingest keys', () => {
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret')).sort()).toEqual(
      [ids.secret, ids.ingestSecret].sort(),
    );
  });

  test('the ingest key is generated at deploy: letters and digits, at least 32, never in the template', () => {
    const secret = only(
      propsOf<{
        SecretString?: string;
        Description: string;
        GenerateSecretString?: {
          SecretStringTemplate?: string;
          GenerateStringKey?: string;
          ExcludePunctuation?: boolean;
          IncludeSpace?: boolean;
          PasswordLength?: number;
          ExcludeCharacters?: string;
        };
      }>(template, 'AWS::SecretsManager::Secret'),
      ids.ingestSecret,
    );
    expect(secret.SecretString).toBeUndefined();
    const generate = secret.GenerateSecretString;
    expect(generate).toMatchObject({
      SecretStringTemplate: '{}',
      GenerateStringKey: INGEST_SECRET_KEY,
      ExcludePunctuation: true,
    });
    // CloudFormation's defaults: no spaces, 32 characters.
    expect(generate?.IncludeSpace ?? false).toBe(false);
    expect(generate?.PasswordLength ?? 32).toBeGreaterThanOrEqual(32);
    // The description tells how to rotate without breaking producers.
    expect(secret.Description).toContain('put-secret-value');
    expect(secret.Description).toContain('"old,new"');
    expect(secret.Description).toContain('"new"');
  });

  test('the template holds only placeholders for the secret keys', () => {
    const secret = only(
      propsOf<{ SecretString: string }>(template, 'AWS::SecretsManager::Secret'),
      ids.secret,
    );
    expect(JSON.parse(secret.SecretString)).toEqual(
      Object.fromEntries(SECRET_KEYS.map((key) => [key, SECRET_PLACEHOLDER])),
    );
    expect(JSON.stringify(template.toJSON())).not.toMatch(/xox[abposr]-/);
  });
});

describe('least privilege', () => {
  const tableWrites = [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ];

  test('the http function can read the table but not write it', () => {
    const statements = roleStatements(template, ids.http);
    const granted = statements.flatMap(actions);
    expect(granted).toContain('dynamodb:GetItem');
    for (const action of [...tableWrites, 'dynamodb:*', '*']) expect(granted).not.toContain(action);
  });

  test('the http function may send to the errors queue only: not the DLQ, no receive or delete', () => {
    const statements = roleStatements(template, ids.http);
    expect(actionsOn(statements, { 'Fn::GetAtt': [ids.queue, 'Arn'] })).toContain('sqs:SendMessage');
    expect(actionsOn(statements, { 'Fn::GetAtt': [ids.dlq, 'Arn'] })).toEqual([]);
    const sqsActions = statements.flatMap(actions).filter((action) => action.startsWith('sqs:'));
    for (const action of [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:*',
    ]) {
      expect(sqsActions).not.toContain(action);
    }
    // Every SQS statement names the errors queue and nothing else.
    for (const statement of statements.filter((s) => actions(s).some((a) => a.startsWith('sqs:')))) {
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [ids.queue, 'Arn'] });
    }
  });

  test('the http function can read the ingest secret but not the Slack tokens', () => {
    const statements = roleStatements(template, ids.http);
    expect(actionsOn(statements, { Ref: ids.ingestSecret })).toContain('secretsmanager:GetSecretValue');
    expect(actionsOn(statements, { Ref: ids.secret })).toEqual([]);
    for (const statement of statements.filter((s) =>
      actions(s).some((a) => a.startsWith('secretsmanager:')),
    )) {
      expect(statement.Resource).toEqual({ Ref: ids.ingestSecret });
    }
  });

  test('triage can write the table, send to both queues and read the secret', () => {
    const statements = roleStatements(template, ids.triage);
    const on = (resource: unknown) => actionsOn(statements, resource);
    expect(on({ 'Fn::GetAtt': [ids.table, 'Arn'] })).toEqual(expect.arrayContaining(tableWrites));
    expect(on({ 'Fn::GetAtt': [ids.queue, 'Arn'] })).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:SendMessage']),
    );
    expect(on({ 'Fn::GetAtt': [ids.dlq, 'Arn'] })).toContain('sqs:SendMessage');
    expect(on({ Ref: ids.secret })).toContain('secretsmanager:GetSecretValue');
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
            Resource: { 'Fn::GetAtt': [logicalId(stack, stack.headsUp.errorsQueue), 'Arn'] },
          },
        ],
      },
    });
  });
});

describe('outputs', () => {
  test('every URL and name a user pastes somewhere is an output', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'DetailLinkBaseUrl',
        'ErrorsDlqUrl',
        'ErrorsQueueArn',
        'ErrorsQueueUrl',
        'FunctionUrl',
        'GetIngestKeyCommand',
        'IngestKeySecretName',
        'IngestUrl',
        'SecretName',
        'SetSecretCommand',
      ].sort(),
    );
    expect(outputs.FunctionUrl?.Value).toEqual({ 'Fn::GetAtt': [ids.functionUrl, 'FunctionUrl'] });
    expect(outputs.ErrorsQueueUrl?.Value).toEqual({ Ref: ids.queue });
    expect(outputs.ErrorsQueueArn?.Value).toEqual({ 'Fn::GetAtt': [ids.queue, 'Arn'] });
    expect(outputs.ErrorsDlqUrl?.Value).toEqual({ Ref: ids.dlq });
    expect(JSON.stringify(outputs.DetailLinkBaseUrl?.Value)).toMatch(/\/e\/"\]\]\}$/);
  });

  test('the ingest URL, the ingest secret name and a command printing the key are outputs', () => {
    const outputs = template.findOutputs('*');
    // The Function URL ends with '/'.
    expect(outputs.IngestUrl?.Value).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.functionUrl, 'FunctionUrl'] }, 'v1/errors']],
    });
    const secretName = JSON.stringify(outputs.IngestKeySecretName?.Value);
    expect(secretName).toContain(JSON.stringify({ Ref: ids.ingestSecret }));
    expect(secretName).not.toContain(JSON.stringify({ Ref: ids.secret }));
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

  test('passes publicUrl and linkTtl through', () => {
    expect(
      headsUpPropsFromContext(
        scope({ slackChannel: 'C1', publicUrl: 'https://h.example', linkTtl: '2h' }),
        {},
      ),
    ).toEqual({ slackChannel: 'C1', publicUrl: 'https://h.example', linkTtl: '2h' });
  });

  test('a missing channel fails with one line naming both ways to set it', () => {
    expect(() => headsUpPropsFromContext(scope({}), {})).toThrow(
      new HeadsUpConfigError('Slack channel not set: pass -c slackChannel=C0123456789 or set SLACK_CHANNEL'),
    );
  });
});
