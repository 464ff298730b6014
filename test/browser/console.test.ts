import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ROOT } from '../support/cli';
import { type StackProcess, startStackProcess } from '../support/local-stack-process';

const SHOTS = join(ROOT, 'test-results', 'browser');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A manual template (plan limit) for a sample user the Intercom stand-in knows. */
const PLAN_LIMIT_EVENT = {
  app: 'web',
  // A message no random sample produces, so the locators below find exactly this alert.
  error: {
    type: 'PlanLimitError',
    code: 'plan_limit_reached',
    message: 'Browser test: project limit reached',
  },
  user: { id: 'u_1002', email: 'ann.lee@acme.example', name: 'Ann Lee' },
  company: { name: 'Acme Corp', plan: 'starter' },
};

/** A fatal error like the samples' database timeout: high urgency with the example team. */
const FATAL_EVENT = {
  app: 'api',
  level: 'fatal',
  error: {
    type: 'KnexTimeoutError',
    code: 'ETIMEDOUT',
    // A message no random sample produces, so the locators below find exactly this alert.
    message: 'Browser test: pool exhausted',
  },
  user: { id: 'u_1001', email: 'fred.smith@acme.example', name: 'Fred Smith' },
  company: { name: 'Acme Corp', plan: 'pro' },
};

/**
 * The incident clock's speed: the example team's first wait (10 min) passes in 10 s, time enough to
 * press Acknowledge before the next step would be due.
 */
const CLOCK = 60;

describe('the dev console in Chromium', () => {
  let stack: StackProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStackProcess({}, ['--clock', String(CLOCK)]);
    // The network here is closed: no background services, a fresh profile, as root without a sandbox.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.interrupt();
  });

  const shot = (name: string, target: Page = page) =>
    target.screenshot({ path: join(SHOTS, name), fullPage: false });

  it('shows a sample error in Slack, its detail page, and a sent fix in the user’s messenger', async () => {
    await page.goto(stack.url);
    await page.getByText('No alerts yet').waitFor();
    await shot('1-console-empty.png');

    await page.getByRole('button', { name: 'Send 5 sample errors' }).click();
    await page.locator('#slack-body .msg').first().waitFor();
    await shot('2-sample-errors-in-slack.png');

    // A custom event with a manual fix template: its alert offers "Send fix".
    await page.getByRole('button', { name: 'Custom event…' }).click();
    await page.locator('#custom-json').fill(JSON.stringify(PLAN_LIMIT_EVENT, null, 2));
    await page.getByRole('button', { name: 'POST /v1/errors' }).click();
    await page.getByText(/^202 /).waitFor();
    const alert = page.locator('#slack-body .msg', { hasText: 'Browser test: project limit reached' });
    await alert.getByRole('button', { name: 'Send fix: Feature outside plan' }).waitFor();

    const [details] = await Promise.all([
      page.waitForEvent('popup'),
      alert.getByRole('link', { name: 'Open details' }).click(),
    ]);
    await details.waitForLoadState();
    await details.getByRole('heading', { name: 'PlanLimitError' }).waitFor();
    expect(await details.textContent('body')).toContain('Browser test: project limit reached');
    expect(await details.textContent('body')).toMatch(/This link expires in 2[34] hours/);
    await shot('3-detail-page.png', details);
    await details.close();

    await alert.getByRole('button', { name: 'Send fix: Feature outside plan' }).click();
    // Ann may also have got automatic fixes from the random samples: look for this fix's text.
    const messenger = page.locator('#intercom-body .contact', { hasText: 'Ann Lee' });
    const newest = messenger.frameLocator('iframe').last().locator('body');
    await newest.getByText('you just tried something that is not part of the').waitFor();
    expect(await newest.textContent()).toContain('Hi Ann,');
    await alert.getByText('Sent “Feature outside plan” to Ann Lee in Intercom').waitFor();
    await messenger.scrollIntoViewIfNeeded();
    await shot('4-fix-in-messenger.png');
  });

  it('escalates a fatal error to the on-call person, and Acknowledge in Slack stops it', async () => {
    await page.goto(stack.url);
    const team = page.locator('#team-body');
    await team.getByText(`clock ×${CLOCK}: a 10 min wait takes 10 s`).waitFor();
    // The example team: everyone listed with a local time such as "Tue 02:14 Sydney".
    for (const city of ['Sydney', 'Toronto', 'London'])
      await team
        .locator('tr.person td', { hasText: new RegExp(`^[A-Z][a-z]{2} \\d{2}:\\d{2} ${city}$`) })
        .waitFor();
    const onCall = (await team.locator('.oncall-now b').textContent())!;
    expect(['Tim', 'Ana', 'Sam']).toContain(onCall);

    const custom = page.locator('#custom');
    if (!(await custom.isVisible())) await page.getByRole('button', { name: 'Custom event…' }).click();
    await page.locator('#custom-json').fill(JSON.stringify(FATAL_EVENT, null, 2));
    await page.getByRole('button', { name: 'POST /v1/errors' }).click();

    const incident = team.locator('.group', { hasText: 'Browser test: pool exhausted' });
    await incident.getByText('High urgency').waitFor();
    expect(await incident.textContent()).toContain('(level: fatal)');
    const firstStep = incident.locator('li.step').first();
    await firstStep.getByText(new RegExp(`^Step 1 · .* · to ${onCall} · `)).waitFor();
    expect(await incident.locator('.state').textContent()).toBe('Open');

    // The alert in the channel, not the direct message the on-call person got.
    const alert = page.locator('#slack-body .msg:not(.dm)', { hasText: 'Browser test: pool exhausted' });
    // PagerDuty hears of it from its own message, right after Slack: its incident shows in the panel.
    const paged = team.locator('li.incident', { hasText: 'Browser test: pool exhausted' });
    await paged.getByText('triggered').waitFor();
    await alert.getByRole('button', { name: 'Acknowledge' }).click();
    await alert.locator(':scope > .block', { hasText: 'Acknowledged by' }).waitFor();
    await incident.locator('.state', { hasText: /^Acknowledged by / }).waitFor();
    await team.scrollIntoViewIfNeeded();
    await shot('5-acknowledged.png');

    // Past the first wait twice over, by the incident clock: still one step, no escalation reply.
    await page.waitForTimeout((2 * 600_000) / CLOCK);
    expect(await incident.locator('li.step').count()).toBe(1);
    expect(await incident.locator('.state').textContent()).toMatch(/^Acknowledged by /);
    expect(await alert.textContent()).not.toContain('Escalated to');
    // The PagerDuty stand-in's incident was acknowledged with the alert.
    await paged.getByText('acknowledged').waitFor();
    await shot('6-no-further-escalation.png');

    // Resolve asks first, as Slack does; accepted, the alert is resolved everywhere.
    page.once('dialog', (dialog) => void dialog.accept());
    await alert.getByRole('button', { name: 'Resolve' }).click();
    await incident.locator('.state', { hasText: /^Resolved by / }).waitFor();
    await alert.locator(':scope > .block', { hasText: 'Resolved by' }).waitFor();
  });
});
