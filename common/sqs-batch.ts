/**
 * Putting events on the errors queue with SendMessageBatch, as the ingest route and the reporter both
 * do: the same body encoding, the same chunking and the same retry, whichever side sends.
 */

/** An event for the queue: its id and its JSON. */
export type QueueEntry = { id: string; body: string };

/** An entry SQS itself refused (its per-entry `Failed`), as opposed to a call that failed as a whole. */
export type EntryRefusal = {
  id: string;
  /** SQS's verdict that the entry itself is at fault (too large, invalid characters): it never succeeds. */
  senderFault: boolean;
  code: string;
};

/** One SendMessageBatch call: resolves with SQS's `Failed` list, throws when the call fails as a whole. */
export type SendBatch = (
  entries: { Id: string; MessageBody: string }[],
) => Promise<{ Id?: string; SenderFault?: boolean; Code?: string }[]>;

type Unsent = { entry: QueueEntry; refusal?: Omit<EntryRefusal, 'id'> };

/**
 * SQS refuses U+FFFE and U+FFFF in a body (JSON.stringify already escapes control characters and lone
 * surrogates); a producer's text must not make its event impossible to queue.
 */
function sqsSafe(json: string): string {
  return json.replace(/[\uFFFE\uFFFF]/g, '\uFFFD');
}

/** SQS limits for one SendMessageBatch: 10 entries and 1 MiB of bodies together. */
const BATCH_ENTRIES = 10;
const BATCH_BYTES = 1024 * 1024 - 16 * 1024; // headroom for attributes and encoding

/** Splits entries into SendMessageBatch-sized chunks, by count and by total size. */
function batchChunks(entries: QueueEntry[]): QueueEntry[][] {
  const chunks: QueueEntry[][] = [];
  let current: QueueEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(entry.body, 'utf8');
    if (current.length === BATCH_ENTRIES || (current.length > 0 && bytes + size > BATCH_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Sends the entries in chunks. Entries SQS rejects are retried once (but not those SQS says are at
 * fault themselves); what still fails is returned, so nothing is acknowledged that was not queued.
 * `failedIds` names every entry not queued; `refused` those of them SQS refused one by one (the others
 * were in a call that failed as a whole, e.g. the network).
 */
export async function enqueueEntries(
  entries: QueueEntry[],
  sendBatch: SendBatch,
): Promise<{ failedIds: string[]; refused: EntryRefusal[] }> {
  const firstTry = await sendAll(entries, sendBatch);
  if (firstTry.length === 0) return { failedIds: [], refused: [] };
  // Entries SQS refused one by one (not at their own fault) are tried once more. A call that failed
  // whole was already retried by the SDK, and another round would outlast the function's timeout.
  const again = firstTry.filter((u) => u.refusal && !u.refusal.senderFault);
  const hopeless = firstTry.filter((u) => !again.includes(u));
  const unsent = new Map(
    [
      ...hopeless,
      ...(again.length > 0
        ? await sendAll(
            again.map((u) => u.entry),
            sendBatch,
          )
        : []),
    ].map((u) => [u.entry, u]),
  );
  const failed = entries.flatMap((e) => unsent.get(e) ?? []); // in the order given
  return {
    failedIds: failed.map((u) => u.entry.id),
    refused: failed.flatMap((u) => (u.refusal ? [{ id: u.entry.id, ...u.refusal }] : [])),
  };
}

/** Sends every chunk in parallel; returns the entries that did not make it. */
async function sendAll(entries: QueueEntry[], sendBatch: SendBatch): Promise<Unsent[]> {
  const results = await Promise.all(batchChunks(entries).map((chunk) => sendChunk(chunk, sendBatch)));
  return results.flat();
}

async function sendChunk(chunk: QueueEntry[], sendBatch: SendBatch): Promise<Unsent[]> {
  let failed: Awaited<ReturnType<SendBatch>>;
  try {
    failed = await sendBatch(chunk.map((e, i) => ({ Id: String(i), MessageBody: sqsSafe(e.body) })));
  } catch {
    return chunk.map((entry) => ({ entry })); // the whole call failed (network, throttling)
  }
  return failed.flatMap((f) => {
    const entry = chunk[Number(f.Id)];
    return entry
      ? [{ entry, refusal: { senderFault: f.SenderFault === true, code: f.Code ?? 'unknown' } }]
      : [];
  });
}
