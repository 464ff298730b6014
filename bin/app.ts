#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../functions/config/error';
import { HeadsUpStack, headsUpPropsFromContext } from '../lib/headsup-stack';

const app = new App();
try {
  // No `env`: the stack is environment-agnostic, so synth needs no AWS account and does no lookups.
  new HeadsUpStack(app, 'HeadsUp', {
    description:
      'Heads-up: error events to Slack alerts with expiring detail links and Intercom fix messages',
    headsUp: headsUpPropsFromContext(app),
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
// Synth fails on any AwsSolutions finding that is neither fixed nor acknowledged with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
