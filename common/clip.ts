const ELLIPSIS = '…';

/** Cuts text to `max` UTF-16 units (code points stay whole), marking the cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - ELLIPSIS.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1; // do not split a surrogate pair
  return text.slice(0, end) + ELLIPSIS;
}

/** Cuts text to at most `maxBytes` of UTF-8 (code points stay whole), marking the cut. */
export function clipUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const room = new Uint8Array(Math.max(0, maxBytes - Buffer.byteLength(ELLIPSIS, 'utf8')));
  const { read } = new TextEncoder().encodeInto(text, room); // stops before a code point that does not fit
  return text.slice(0, read) + ELLIPSIS;
}
