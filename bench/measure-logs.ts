/**
 * What the functions write to their logs (on AWS: CloudWatch Logs ingestion, which also bills EMF
 * metrics): the Powertools logger's JSON lines and the metrics' EMF documents, counted off stdout and
 * stderr and kept out of the bench's output. Anything that is not a JSON line passes through.
 */
export type LogFigures = {
  bytes: number;
  emfBytes: number;
  logBytes: number;
  emfLines: number;
  logLines: number;
  /** The log lines by level and message (never their other fields): what the run logged. */
  messages: Record<string, number>;
};

export type LogMeter = { read: () => LogFigures; reset: () => void; stop: () => void };

const emptyFigures = (): LogFigures => ({
  bytes: 0,
  emfBytes: 0,
  logBytes: 0,
  emfLines: 0,
  logLines: 0,
  messages: {},
});

function lineKey(text: string): string {
  try {
    const line = JSON.parse(text) as { level?: unknown; message?: unknown };
    return `${String(line.level)}: ${String(line.message).slice(0, 120)}`;
  } catch {
    return 'unparsed';
  }
}

export function meterLogs(): LogMeter {
  let f = emptyFigures();
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write);
  streams.forEach((stream, i) => {
    const original = originals[i]!;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
      if (!text.startsWith('{'))
        return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
      const bytes = Buffer.byteLength(text);
      f.bytes += bytes;
      if (text.includes('"_aws"')) {
        f.emfBytes += bytes;
        f.emfLines++;
      } else {
        f.logBytes += bytes;
        f.logLines++;
        const key = lineKey(text);
        f.messages[key] = (f.messages[key] ?? 0) + 1;
      }
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof stream.write;
  });
  return {
    read: () => structuredClone(f),
    reset: () => {
      f = emptyFigures();
    },
    stop: () =>
      streams.forEach((stream, i) => {
        stream.write = originals[i]!;
      }),
  };
}
