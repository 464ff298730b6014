import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The dev console's `seenText`, taken from the page's own script: what the browser runs. */
function seenTextFromPage(): (at: unknown, nowMs: number) => string {
  const page = readFileSync(join(__dirname, '../../local/console/console.html'), 'utf8');
  const source = /^function seenText\([\s\S]*?^}$/m.exec(page)?.[0];
  if (!source) throw new Error('no seenText in console.html');
  return new Function(`${source}\nreturn seenText;`)() as (at: unknown, nowMs: number) => string;
}

const seenText = seenTextFromPage();
const NOW_MS = 1_800_000_000_000;
const ago = (seconds: number) => seenText(NOW_MS / 1000 - seconds, NOW_MS);

describe('the dev console says when Intercom last saw a user', () => {
  it('in minutes under an hour, hours under two days, then days', () => {
    expect(ago(0)).toBe('seen 0 min ago');
    expect(ago(59 * 60 + 59)).toBe('seen 59 min ago');
    expect(ago(60 * 60)).toBe('seen 1 h ago');
    expect(ago(5 * 3600)).toBe('seen 5 h ago');
    expect(ago(48 * 3600 - 1)).toBe('seen 47 h ago');
    expect(ago(48 * 3600)).toBe('seen 2 d ago');
    expect(ago(3 * 86400)).toBe('seen 3 d ago');
  });

  it('never seen, and a visit ahead of the clock as just now', () => {
    expect(seenText(undefined, NOW_MS)).toBe('never seen');
    expect(seenText(null, NOW_MS)).toBe('never seen');
    expect(ago(-120)).toBe('seen 0 min ago');
  });
});
