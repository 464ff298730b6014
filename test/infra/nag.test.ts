import { type App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { HeadsUpStack } from '../../lib/headsup-stack';
import { testApp } from './test-app';

/** The app as bin/app.ts builds it: the stack plus cdk-nag's AwsSolutions pack as a validation plugin. */
function nagApp(): { app: App; checks: AwsSolutionsChecks } {
  const app = testApp();
  new HeadsUpStack(app, 'HeadsUp', { headsUp: { slackChannel: 'C0123456789' } });
  const checks = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(checks);
  return { app, checks };
}

function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: unknown }> {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          // Stored qualified ('Annotation::AwsSolutions-SMG4'); cdk-nag matches the bare rule id.
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

test('the app has no unacknowledged AwsSolutions finding (errors or warnings)', () => {
  const { app, checks } = nagApp();
  // v3: synth throws when a validation plugin reports a violation.
  expect(() => app.synth()).not.toThrow();
  const findings = checks.validateScope(app).violations.map((violation) => ({
    rule: violation.ruleName,
    severity: violation.severity,
    at: violation.violatingResources.map((resource) => resource.constructPath),
  }));
  expect(findings).toEqual([]);
});

test('the check is live: an unencrypted queue without a DLQ fails synth', () => {
  const { app } = nagApp();
  new sqs.Queue(new Stack(app, 'Careless'), 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
  expect(() => app.synth()).toThrow(/AwsSolutions-SQS[234]/);
});

test('every acknowledgement names an AwsSolutions rule and gives a written reason', () => {
  const { app } = nagApp();
  const acks = acknowledgements(app);
  // Rotation (SMG4) on the three secrets and nothing else: none can be rotated by a rotation Lambda.
  expect(acks.map(({ path, id }) => `${path} ${id}`).sort()).toEqual([
    'HeadsUp/HeadsUp/IngestSecret AwsSolutions-SMG4',
    'HeadsUp/HeadsUp/TokensSecret AwsSolutions-SMG4',
    'HeadsUp/HeadsUp/WebhookSecret AwsSolutions-SMG4',
  ]);
  for (const ack of acks) {
    expect(ack.id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
    expect(typeof ack.reason).toBe('string');
    expect(String(ack.reason).trim().length).toBeGreaterThanOrEqual(40);
  }
});
