/** How deep an event's JSON may nest: far beyond any real event, far below a recursion limit. */
export const JSON_DEPTH_LIMIT = 64;

export type JsonTextResult = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * Parses JSON text after checking its nesting depth in one linear scan, so a hostile body (100 000
 * nested arrays) is refused before anything recurses over it. The reason never quotes the text: Node's
 * own message carries a snippet of the input, and the input may hold secrets.
 */
export function parseJsonText(text: string, maxDepth = JSON_DEPTH_LIMIT): JsonTextResult {
  if (jsonNestingExceeds(text, maxDepth))
    return { ok: false, reason: `JSON nested deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const position = errorPosition((err as Error).message, text.length);
    return {
      ok: false,
      reason:
        position === undefined
          ? 'body is not valid JSON'
          : `body is not valid JSON (at position ${position})`,
    };
  }
}

/** Counts `[`/`{` depth outside strings (string contents and escapes skipped). Stops at the first excess. */
export function jsonNestingExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
  }
  return false;
}

/**
 * Only the number is taken from V8's message, and only from its end ("… in JSON at position 12",
 * optionally "(line 1 column 13)"): the snippet of input in the middle could itself read "position 9".
 */
function errorPosition(message: string, length: number): number | undefined {
  const match = / at position (\d{1,10})(?: \(line \d{1,10} column \d{1,10}\))?$/.exec(message);
  if (match) {
    const position = Number(match[1]);
    return position <= length ? position : undefined;
  }
  return /^Unexpected end of JSON input$/.test(message) ? length : undefined;
}
