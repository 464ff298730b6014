import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { DEFAULT_TOKEN } from '../../local/fakes/slack-api';
import { ROOT } from '../support/cli';
import {
  isRunning,
  javaDescendants,
  type StackProcess,
  startStackProcess,
} from '../support/local-stack-process';
import { eventually } from '../support/recording-server';

/** A fenced code block of the README, found by its `<!-- snippet:name -->` marker. */
function readmeSnippet(name: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- snippet:${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`README has no snippet "${name}"`);
  return match[1]!;
}

describe('npm start: the local stack as a user runs it', () => {
  let stack: StackProcess;
  let slack: WebClient;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/reporter/index.js')))
      execFileSync('npm', ['run', 'build'], { cwd: ROOT });
    stack = await startStackProcess();
    const standIn = /alerts go to the local stand-in at (\S+)/.exec(stack.output())![1]!;
    slack = new WebClient(DEFAULT_TOKEN, { slackApiUrl: standIn, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    if (stack?.child.exitCode === null) await stack.interrupt();
  });

  it('is ready within 30 s and says where, with the dev ingest key', () => {
    expect(stack.readyMs).toBeLessThan(30_000);
    expect(stack.output()).toMatch(
      new RegExp(`Heads-up is ready at ${stack.url} in [\\d.]+ s · ingest key: headsup-local-dev-key`),
    );
  });

  it('runs the README’s curl and reporter snippets as written, and alerts Slack with working links', async () => {
    const curl = readmeSnippet('curl').replaceAll('localhost:3000', `localhost:${stack.port}`);
    const curlOut = execFileSync('bash', ['-c', curl], { encoding: 'utf8' });
    expect(JSON.parse(curlOut)).toEqual({ accepted: [expect.stringMatching(/^[\w-]{21}$/)] });

    const dir = join(ROOT, 'test-results', 'snippets');
    mkdirSync(dir, { recursive: true });
    const script = join(dir, 'report-example.mjs');
    writeFileSync(script, readmeSnippet('reporter').replaceAll('localhost:3000', `localhost:${stack.port}`));
    const reporterOut = execFileSync(process.execPath, [script], { encoding: 'utf8', cwd: ROOT });
    expect(reporterOut).toContain('sent: 1');

    const parents = await eventually(async () => {
      const { messages = [] } = await slack.conversations.history({ channel: 'C0LOCALDEV1' });
      return messages.length >= 2 ? messages : undefined;
    }, 20_000);
    const texts = parents.map((m) => m.text).join('\n');
    expect(texts).toContain('[billing/production] CardExpiredError: Card ending 4242 expired');
    expect(texts).toContain('[billing/production] Error: Card ending 4242 expired');

    const link = new RegExp(`${stack.url}/e/[\\w-]{21}`).exec(JSON.stringify(parents[0]!.blocks))![0];
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Fred Smith');
  });

  it('stops on Ctrl-C within seconds and leaves no Java process behind', async () => {
    const java = javaDescendants(stack.child.pid!);
    expect(java).toHaveLength(1); // its DynamoDB Local
    const started = Date.now();
    expect(await stack.interrupt()).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(java.filter(isRunning)).toEqual([]);
  });
});
