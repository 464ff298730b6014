import { createHash } from 'node:crypto';
import type { ErrorEvent } from './event-schema';
import { isFrameLine } from './limit-size';

/** How many in-app stack frames take part in grouping: enough to tell call sites apart, few enough
 * that a refactor deeper down does not split a group. */
const GROUPING_FRAMES = 3;
/** Only the start of a message groups (stored messages are cut to 2 000 characters anyway). */
const GROUPING_MESSAGE_CHARS = 4096;
/** Frames are looked for in the start of the stack, and one frame line counts up to this length. */
const GROUPING_STACK_CHARS = 64 * 1024;
const FRAME_LINE_CHARS = 1024;

/**
 * Replaces the parts of a message that vary between occurrences of the same error, so
 * "Card 4242 for user 17 expired" and "Card 1111 for user 99 expired" group together.
 *
 * Linear time: an email starts only where a run of local-part characters starts (the look-behind)
 * and its parts are bounded; the hex rule starts only at a word boundary; a quoted string's scan
 * stops at the next quote of its kind, so all scans of one kind together read the text once.
 */
export function normaliseMessage(message: string): string {
  return message
    .slice(0, GROUPING_MESSAGE_CHARS)
    .replace(/(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}/g, '<email>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '<str>')
    .replace(/\b(?:0x)?[0-9a-f]{8,}\b/gi, (hex) => (/\d/.test(hex) ? '<hex>' : hex))
    .replace(/\d+(?:\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The top in-app frames with line and column numbers removed (they move on every deploy), and only
 * the file's base name (build paths differ between hosts). Library frames are skipped.
 */
export function groupingFrames(stack: string | undefined): string[] {
  if (!stack) return [];
  const frames: string[] = [];
  for (const line of stack.slice(0, GROUPING_STACK_CHARS).split('\n')) {
    if (frames.length === GROUPING_FRAMES) break;
    const head = line.slice(0, FRAME_LINE_CHARS);
    if (!isFrameLine(head) || /node_modules|site-packages|\(node:|\bnode:internal|<anonymous>/.test(head)) {
      continue;
    }
    frames.push(frameSignature(head));
  }
  return frames;
}

const PYTHON_FRAME = /File\s{1,8}"([^"]{1,1024})",\s{1,8}line\s{1,8}\d{1,9}(?:,\s{1,8}in\s{1,8}(\S{1,256}))?/;

/**
 * `name@file` of one frame line. JS frames are taken apart by hand: the regex this replaces
 * (`(.*?)\s+\(` then `(.*?)…\s*$`) backtracked quadratically over long lines and whitespace runs.
 */
function frameSignature(line: string): string {
  const trimmed = line.trim();
  if (trimmed.startsWith('at ')) {
    const rest = trimmed.slice(3).trimStart();
    const open = rest.search(/\s\(/);
    const name = open < 0 ? '' : rest.slice(0, open).trimEnd();
    let location = open < 0 ? rest : rest.slice(open).trimStart().slice(1);
    if (location.endsWith(')')) location = location.slice(0, -1);
    return `${name}@${baseName(stripLineNumbers(location.trimEnd()))}`;
  }
  const py = PYTHON_FRAME.exec(line);
  if (py) return `${py[2] ?? ''}@${baseName(py[1] ?? '')}`;
  return line.replace(/:\d+/g, '').trim();
}

/** Drops up to two trailing `:123` (line, column). */
function stripLineNumbers(location: string): string {
  let end = location.length;
  for (let round = 0; round < 2; round++) {
    let i = end;
    while (i > 0 && location.charCodeAt(i - 1) >= 48 && location.charCodeAt(i - 1) <= 57) i--;
    if (i === end || i === 0 || location[i - 1] !== ':') break;
    end = i - 1;
  }
  return location.slice(0, end);
}

function baseName(path: string): string {
  const query = path.search(/[?#]/);
  const bare = query < 0 ? path : path.slice(0, query);
  return bare.split(/[\\/]/).pop() ?? bare;
}

/**
 * The grouping key: app and environment always (production and staging alert separately), then
 * either the producer's explicit fingerprint or error type + normalised message + top frames.
 */
export function fingerprintEvent(event: ErrorEvent): string {
  const parts = [event.app, event.environment];
  if (event.fingerprint) {
    parts.push('explicit', ...event.fingerprint);
  } else {
    parts.push(
      event.error.type ?? '',
      normaliseMessage(event.error.message ?? ''),
      ...groupingFrames(event.error.stack),
    );
  }
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}
