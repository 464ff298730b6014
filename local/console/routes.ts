import { Hono } from 'hono';
import { sampleEvents } from '../samples';
import { postEvents } from '../send-events';
import { CONSOLE_PAGE } from './page';
import { type ConsoleSources, consoleState } from './state';

export type ConsoleContext = ConsoleSources & { baseUrl: () => string; ingestKey: string };

/** The clicking user the console acts as, like a teammate pressing a button in Slack. */
const CONSOLE_USER = 'U0DEVCONSOLE';

/**
 * The dev console (local stack only): `/` shows the page, `/console/*` feeds it. Everything goes
 * through the real routes — samples through POST /v1/errors, clicks as signed Slack requests.
 */
export function createConsoleApp(ctx: ConsoleContext): Hono {
  const app = new Hono();
  app.get('/', (c) => c.html(CONSOLE_PAGE));
  app.get('/console/state', (c) => c.json(consoleState(ctx)));

  app.post('/console/sample', async (c) => {
    const { count = 5 } = (await c.req.json().catch(() => ({}))) as { count?: number };
    const events = sampleEvents({ count: Math.min(Math.max(1, count), 500), random: Math.random });
    const results = await postEvents(ctx.baseUrl(), ctx.ingestKey, events);
    return c.json({ accepted: results.flatMap((r) => r.accepted).length });
  });

  app.post('/console/event', async (c) => {
    const res = await fetch(`${ctx.baseUrl()}/v1/errors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.ingestKey}` },
      body: await c.req.text(),
    });
    return c.json({ status: res.status, body: await res.json().catch(() => null) });
  });

  app.post('/console/click', async (c) => {
    const { channel, ts, actionId } = (await c.req.json()) as {
      channel: string;
      ts: string;
      actionId: string;
    };
    if (!ctx.slack) return c.json({ error: 'Slack is real here: click in Slack' }, 400);
    const res = await ctx.slack.clickButton(`${ctx.baseUrl()}/slack/actions`, {
      channel,
      ts,
      actionId,
      userId: CONSOLE_USER,
    });
    return c.json({ status: res.status });
  });
  return app;
}
