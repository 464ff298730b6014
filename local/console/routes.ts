import { isIPv4 } from 'node:net';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { constantTimeEqual } from '../../functions/core/constant-time';
import { escapeHtml } from '../../functions/core/escape';
import { sampleEvents } from '../samples';
import { postEvents } from '../send-events';
import { CONSOLE_TOKEN_HEADER, consolePage } from './page';
import { type ConsoleSources, consoleState } from './state';

export type ConsoleContext = ConsoleSources & {
  baseUrl: () => string;
  ingestKey: string;
  /** This run's random console token: embedded in the page, required on every `/console/*` call. */
  token: string;
  /** The port the stack listens on (known once it listens). */
  port: () => number;
  /** Host names besides the loopback ones the console answers to: those of a deliberate HOST. */
  extraHosts?: () => readonly string[];
};

/** The clicking user the console acts as, like a teammate pressing a button in Slack. */
export const CONSOLE_USER = 'U0DEVCONSOLE';

/** A Host header's shape: a name, an IPv4 or a bracketed IPv6 address, then an optional port. */
const HOST_HEADER = /^(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i;

/** `host[:port]` as a URL would print it (lower case, IPv6 in brackets), with the port apart. */
function parseHost(text: string | undefined): { hostname: string; port: number } | undefined {
  if (!text || !HOST_HEADER.test(text)) return undefined;
  try {
    const url = new URL(`http://${text}`);
    return { hostname: url.hostname, port: Number(url.port || 80) };
  } catch {
    return undefined;
  }
}

/** localhost, 127.x.x.x and [::1]: names only this machine can reach (so no DNS rebinding). */
export function isLoopbackHostname(hostname: string): boolean {
  const name = hostname.toLowerCase();
  return (
    name === 'localhost' || name === '[::1]' || name === '::1' || (isIPv4(name) && name.startsWith('127.'))
  );
}

/** A host name as `parseHost` prints it: what `extraHosts` holds (e.g. `192.168.1.5`, `[fe80::1]`). */
export function canonicalHostname(host: string): string | undefined {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return parseHost(bare.includes(':') ? `[${bare}]` : bare)?.hostname;
}

/**
 * The dev console (local stack only): `/` shows the page, `/console/*` feeds it. Everything goes
 * through the real routes — samples through POST /v1/errors, clicks as signed Slack requests.
 *
 * It sends events with the ingest key and signs Slack clicks, so only its own page may drive it: the
 * Host must name this stack on a loopback address (or the deliberate HOST), an Origin must be the
 * stack's own, POSTs must be JSON (a cross-origin page cannot send that without a CORS preflight,
 * which is never answered) and every call must carry the run's token from the served page.
 */
export function createConsoleApp(ctx: ConsoleContext): Hono {
  const isOwnHost = (text: string | undefined): boolean => {
    const host = parseHost(text);
    if (!host || host.port !== ctx.port()) return false;
    return isLoopbackHostname(host.hostname) || (ctx.extraHosts?.() ?? []).includes(host.hostname);
  };
  const isOwnOrigin = (origin: string): boolean => {
    if (!/^http:\/\/[^/]+$/i.test(origin)) return false;
    return isOwnHost(origin.slice('http://'.length));
  };

  /** Host and Origin: shared by the page and its API. */
  const sameSite =
    (refuse: (c: Context, why: string) => Response): MiddlewareHandler =>
    async (c, next) => {
      const host = c.req.header('host');
      if (!isOwnHost(host))
        return refuse(
          c,
          `the dev console answers only on this machine: Host ${JSON.stringify(host ?? '')} is not a loopback address with port ${ctx.port()} (open ${ctx.baseUrl()}/)`,
        );
      const origin = c.req.header('origin');
      if (origin !== undefined && !isOwnOrigin(origin))
        return refuse(
          c,
          `cross-origin request refused: only the dev console's own page may call it (Origin ${JSON.stringify(origin)})`,
        );
      await next();
    };
  const refuseJson = (c: Context, why: string) => c.json({ error: why }, 403);
  const refuseHtml = (c: Context, why: string) =>
    c.html(`<!doctype html><title>Refused</title><p>Heads-up dev console: ${escapeHtml(why)}</p>`, 403);

  const app = new Hono();
  app.use('/', sameSite(refuseHtml));
  app.use('/console/*', sameSite(refuseJson), async (c, next) => {
    if (c.req.method === 'POST' && !/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? ''))
      return c.json({ error: 'the dev console accepts only Content-Type: application/json' }, 415);
    if (!constantTimeEqual(c.req.header(CONSOLE_TOKEN_HEADER) ?? '', ctx.token))
      return refuseJson(
        c,
        `missing or wrong ${CONSOLE_TOKEN_HEADER} token: reload the dev console page (the token changes with every start)`,
      );
    await next();
  });

  app.get('/', (c) => {
    // The page holds the token: never cached, never framed by another page.
    c.header('cache-control', 'no-store');
    c.header('x-frame-options', 'DENY');
    return c.html(consolePage(ctx.token));
  });
  app.get('/console/state', async (c) => c.json(await consoleState(ctx)));

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
