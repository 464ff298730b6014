import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { HeadsUpStack } from '../../lib/headsup-stack';
import { logicalId, testApp } from './test-app';

const TEMPLATES = path.join(__dirname, '..', '..', 'templates');

// The bundles are a few MB: synthesize into a folder of our own and remove it afterwards.
const outdir = mkdtempSync(path.join(os.tmpdir(), 'headsup-bundle-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/**
 * The one infra test with real bundling (esbuild, about a second per function): the fix templates are
 * copied by a bundling hook, which a synth with bundling skipped never runs.
 */
test('the triage and notify bundles carry every templates/*.md next to index.js; the http bundle does not', () => {
  const app = testApp({ 'aws:cdk:bundling-stacks': ['**'] }, { outdir });
  const stack = new HeadsUpStack(app, 'Bundled', {
    headsUp: { slackChannel: 'C0123456789', intercomAdminId: '1' },
  });
  const assembly = app.synth();
  const resources = assembly.getStackByName(stack.stackName).template.Resources as Record<
    string,
    { Properties: { Code: { S3Key: string } } }
  >;
  const assetDir = (fn: NodejsFunction) => {
    const key = resources[logicalId(stack, fn)]?.Properties.Code.S3Key ?? '';
    return path.join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
  };

  const expected = readdirSync(TEMPLATES)
    .filter((name) => name.endsWith('.md'))
    .sort();
  expect(expected.length).toBeGreaterThan(0);
  for (const fn of [stack.headsUp.triageFunction, stack.headsUp.notifyFunction]) {
    const dir = assetDir(fn);
    expect(existsSync(path.join(dir, 'index.js'))).toBe(true);
    // HEADSUP_TEMPLATES is 'templates', relative to the task root where index.js is.
    expect(readdirSync(path.join(dir, 'templates')).sort()).toEqual(expected);
  }
  const httpDir = assetDir(stack.headsUp.httpFunction);
  expect(existsSync(path.join(httpDir, 'index.js'))).toBe(true);
  expect(existsSync(path.join(httpDir, 'templates'))).toBe(false);
});
