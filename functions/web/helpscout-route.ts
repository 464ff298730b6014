import type { Logger } from '@aws-lambda-powertools/logger';
import type { Hono } from 'hono';
import { parseHelpScoutRequest } from '../core/helpscout/request';
import {
  helpScoutSidebar,
  newestFirst,
  SIDEBAR_MAX_ERRORS,
  type SidebarGroup,
} from '../core/helpscout/sidebar';
import type { OccurrenceReader } from '../services/ports';
import { signedRequest } from './middleware/signed-request';
import { HELP_SCOUT_SIGNING } from './middleware/signing-schemes';

export type HelpScoutDeps = {
  /** Without it every request is refused: customers' errors are shown to Help Scout only. */
  secret?: string;
  /**
   * Base URL of detail links. Unset on AWS unless a custom domain is configured (the Function URL
   * cannot name itself): the links then use the origin the request came to.
   */
  publicUrl?: string;
  /** The detail-link lifetime: the sidebar says how far back it looked. */
  linkTtlSeconds: number;
  store: Pick<OccurrenceReader, 'linksForEmail' | 'getGroup'>;
  log: Pick<Logger, 'warn' | 'error'>;
};

/**
 * `POST /helpscout`: Help Scout's dynamic content app. Behind the signature check (nothing unsigned is
 * read), looks up the customer's unexpired errors (one index query per address, in parallel; one group
 * read per distinct error), and answers `{"html": …}` for the sidebar.
 */
export function registerHelpScoutRoute(app: Hono, deps: HelpScoutDeps, now: () => number): void {
  const signed = signedRequest(HELP_SCOUT_SIGNING, { secret: () => deps.secret, now, log: deps.log });
  app.post('/helpscout', signed, async (c) => {
    const request = parseHelpScoutRequest(c.get('rawBody').toString('utf8'));
    if (!request.ok) return c.json({ error: `unreadable Help Scout request: ${request.error}` }, 400);

    const at = now();
    // One more than shown, so the sidebar can say that older ones are left out.
    const lists = await Promise.all(
      request.emails.map((email) => deps.store.linksForEmail(email, at, SIDEBAR_MAX_ERRORS + 1)),
    );
    const links = newestFirst(lists).slice(0, SIDEBAR_MAX_ERRORS + 1);
    const fingerprints = [...new Set(links.slice(0, SIDEBAR_MAX_ERRORS).map((link) => link.fingerprint))];
    const groups = new Map<string, SidebarGroup | undefined>(
      await Promise.all(fingerprints.map(async (fp) => [fp, await deps.store.getGroup(fp, at)] as const)),
    );
    const html = helpScoutSidebar(
      { emails: request.emails, links, groups },
      {
        publicUrl: deps.publicUrl ?? new URL(c.req.url).origin,
        now: at,
        windowSeconds: deps.linkTtlSeconds,
      },
    );
    c.header('Cache-Control', 'no-store');
    return c.json({ html });
  });
}
