import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The header every `/console/*` call carries: the run's console token, which only the page holds. */
export const CONSOLE_TOKEN_HEADER = 'x-headsup-console';

const TEMPLATE = readFileSync(join(__dirname, 'console.html'), 'utf8');
const PLACEHOLDER = '__HEADSUP_CONSOLE_TOKEN__';
const TOKEN_META = /<meta name="headsup-console-token" content="([^"]*)">/;

/**
 * The console is one static page; it reads /console/state and renders it in the browser. The token is
 * embedded in it (base64url: nothing to escape), so only a page served by this stack can call the API.
 */
export function consolePage(token: string): string {
  return TEMPLATE.replace(PLACEHOLDER, token);
}

/** The token a served console page holds: what the page's own script reads (and tests use). */
export function consoleTokenFrom(html: string): string | undefined {
  return TOKEN_META.exec(html)?.[1];
}
