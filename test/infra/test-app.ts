import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, type AppProps, type CfnElement, type Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/**
 * An App with cdk.json's feature flags (a test App does not read cdk.json, and the flags change the
 * template) and bundling skipped (0.15 s per synth instead of a real esbuild run).
 */
export function testApp(context: Record<string, unknown> = {}, props: Omit<AppProps, 'context'> = {}): App {
  return new App({ ...props, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
}

/** Logical id of an L2 construct's main resource, to find it in the template. */
export function logicalId(stack: Stack, construct: Construct): string {
  return stack.resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
}
