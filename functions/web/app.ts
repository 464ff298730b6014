import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { isLinkId } from '../core/links';
import type { OccurrenceReader } from '../services/ports';
import { detailPage, expiredPage, notFoundPage, PAGE_CSS_HASH } from './detail-page';
import { type HelpScoutDeps, registerHelpScoutRoute } from './helpscout-route';
import { type IngestDeps, registerIngestRoute } from './ingest-route';
import { registerSlackActionsRoute, type SlackActionsDeps } from './slack-actions-route';

export type WebDeps = {
  store: OccurrenceReader;
  now: () => number;
  ingest: IngestDeps;
  slackActions: SlackActionsDeps;
  helpScout: HelpScoutDeps;
};

/**
 * The one web app (docs/architecture.md → The flow). Served by the Lambda Function URL on AWS and by
 * Node locally; it holds no state of its own.
 */
export function createWebApp(deps: WebDeps): Hono {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ ok: true }));
  registerIngestRoute(app, deps.ingest);
  registerSlackActionsRoute(app, deps.slackActions, () => deps.now());
  registerHelpScoutRoute(app, deps.helpScout, () => deps.now());

  // Detail pages are capability URLs: never cached, never indexed, never leaked through Referer.
  app.use(
    '/e/*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: [PAGE_CSS_HASH],
        imgSrc: ["'self'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
      crossOriginResourcePolicy: 'same-origin',
    }),
    async (c, next) => {
      await next();
      c.header('Cache-Control', 'no-store');
      c.header('X-Robots-Tag', 'noindex, nofollow');
    },
  );

  app.get('/e/:id', async (c) => {
    const id = c.req.param('id');
    if (!isLinkId(id)) return c.html(notFoundPage(), 404);
    const now = deps.now();
    const found = await deps.store.getLink(id, now);
    if (found.state === 'missing') return c.html(notFoundPage(), 404);
    if (found.state === 'expired') return c.html(expiredPage(found.link), 410);
    const group = await deps.store.getGroup(found.link.fingerprint, now);
    return c.html(detailPage(found.link, group, now));
  });

  app.notFound((c) => c.json({ error: 'not found', path: c.req.path }, 404));
  return app;
}
