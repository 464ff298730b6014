/**
 * The steady run's producer, on a thread of its own: the local stack's handlers, the SQS emulator and
 * the web app share the main thread's event loop, and a sender there would slow down with them (and
 * so hide the backlog it should cause). On its own loop it sends each chunk when it is due, whether or
 * not earlier requests were answered (an open loop, as independent backends send), to
 * `POST /v1/errors` exactly as local/send-events.ts does.
 */
import { Worker } from 'node:worker_threads';

export type Sent = {
  /** The chunk's index. */
  i: number;
  /** When its request started (epoch ms): the ingest time of its events. */
  t: number;
  answeredAt: number;
  status: number;
  accepted: string[];
  error?: string;
};

export type SendingDone = { started: number; lateTicks: number };

// Plain JavaScript, run as the worker's script: nothing to compile, nothing shared with the main thread.
const SENDER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, key, tickMs, bodies } = workerData;
const headers = { 'content-type': 'application/json', authorization: 'Bearer ' + key };
(async () => {
  const started = Date.now();
  let lateTicks = 0;
  const posts = [];
  for (let i = 0; i < bodies.length; i++) {
    const due = started + i * tickMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (Date.now() - due > tickMs) lateTicks++;
    if (bodies[i] === null) continue;
    posts.push((async () => {
      const t = Date.now();
      try {
        const res = await fetch(url + '/v1/errors', { method: 'POST', headers, body: bodies[i] });
        const body = await res.json().catch(() => ({}));
        parentPort.postMessage({ i, t, answeredAt: Date.now(), status: res.status, accepted: body.accepted || [] });
      } catch (err) {
        parentPort.postMessage({ i, t, answeredAt: Date.now(), status: 0, accepted: [], error: String(err) });
      }
    })());
  }
  await Promise.all(posts);
  parentPort.postMessage({ done: true, started, lateTicks });
})();
`;

/**
 * Sends `bodies[i]` (a JSON array of events, or null for nothing) at `started + i × tickMs`; `onSent`
 * hears each answer. Resolves when every request was answered.
 */
export function sendSteadily(
  url: string,
  key: string,
  bodies: Array<string | null>,
  tickMs: number,
  onSent: (sent: Sent) => void,
): Promise<SendingDone> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SENDER, { eval: true, workerData: { url, key, tickMs, bodies } });
    let finished = false;
    worker.on('message', (m: Sent | ({ done: true } & SendingDone)) => {
      if (!('done' in m)) return onSent(m);
      finished = true;
      resolve({ started: m.started, lateTicks: m.lateTicks });
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!finished) reject(new Error(`the sender thread exited (code ${code}) before it was done`));
    });
  });
}
