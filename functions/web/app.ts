import type { Logger } from '@aws-lambda-powertools/logger';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { clip } from '../../common/clip';
import { redactText } from '../../common/redact';
import { isLinkId } from '../core/links';
import type { OccurrenceReader } from '../services/ports';
import { detailPage, expiredPage, notFoundPage, PAGE_CSS_HASH } from './detail-page';
import { type HelpScoutDeps, registerHelpScoutRoute } from './helpscout-route';
import { type IngestDeps, registerIngestRoute } from './ingest-route';
import { registerSlackActionsRoute, type SlackActionsDeps } from './slack-actions-route';

export type WebDeps = {
  store: OccurrenceReader;
  /** For what fails outside any route's own handling. */
  log: Pick<Logger, 'error'>;
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

  // Every route is given the same structured logger by the wiring; Slack's route's may log errors.
  // Whatever a route or middleware throws — a request body cut off mid-stream, a signature check that
  // throws, the queue or the store failing — is one structured log line and a JSON 500, not Hono's
  // text/plain answer and a stack trace on stderr. An HTTPException carries its own answer (bodyLimit's
  // 413) and keeps it.
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    // The route as declared, never the path (a detail link's id is a capability), and never the body.
    deps.log.error('request failed', {
      route: c.req.routePath,
      method: c.req.method,
      error: { name: err.name, message: clip(redactText(err.message), LOGGED_MESSAGE_CHARS) },
    });
    return c.json({ error: 'the server could not handle this request: try again' }, 500);
  });
  return app;
}

/** Enough of an error's message to tell what failed; a long one may quote what it was working on. */
const LOGGED_MESSAGE_CHARS = 300;
