import { createHash } from 'node:crypto';
import type { ErrorEvent } from './event-schema';
import { isFrameLine } from './limit-size';

/** How many in-app stack frames take part in grouping: enough to tell call sites apart, few enough
 * that a refactor deeper down does not split a group. */
const GROUPING_FRAMES = 3;

/**
 * Replaces the parts of a message that vary between occurrences of the same error, so
 * "Card 4242 for user 17 expired" and "Card 1111 for user 99 expired" group together.
 */
export function normaliseMessage(message: string): string {
  return message
    .replace(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '<email>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '<str>')
    .replace(/\b(?:0x)?(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '<hex>')
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
  for (const line of stack.split('\n')) {
    if (frames.length === GROUPING_FRAMES) break;
    if (!isFrameLine(line) || /node_modules|site-packages|\(node:|\bnode:internal|<anonymous>/.test(line)) {
      continue;
    }
    frames.push(frameSignature(line));
  }
  return frames;
}

function frameSignature(line: string): string {
  const js = /^\s*at\s+(?:(.*?)\s+\()?(.*?)(?::\d+)?(?::\d+)?\)?\s*$/.exec(line);
  if (js && line.trimStart().startsWith('at ')) return `${js[1] ?? ''}@${baseName(js[2] ?? '')}`;
  const py = /File\s+"([^"]+)",\s+line\s+\d+(?:,\s+in\s+(\S+))?/.exec(line);
  if (py) return `${py[2] ?? ''}@${baseName(py[1] ?? '')}`;
  return line.replace(/:\d+/g, '').trim();
}

function baseName(path: string): string {
  return (
    path
      .replace(/[?#].*$/, '')
      .split(/[\\/]/)
      .pop() ?? path
  );
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
