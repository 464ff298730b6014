/**
 * Machinery shared by the loopback API fakes (`slack-api.ts`, `intercom-api.ts`): a server on 127.0.0.1,
 * the request log, the `failNext` queue, random failure shares (`failRandomly`), answers held back by
 * an injected delay (noticing a client that gives up), and `waitFor`. What an API accepts and answers
 * stays in its own fake.
 */
import { EventEmitter } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type JsonObject = { [key: string]: unknown };

export type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

export interface FakeResponse {
  status: number;
  headers: Record<string, string>;
  body: JsonObject;
  /**
   * Sent instead of `body` as JSON, as it is (with `headers`' content-type): what answers that are not
   * the API's own look like — a proxy's HTML error page. `body` is then what the request log shows.
   */
  rawBody?: string;
}

/** The recorded-request fields this module maintains; each fake adds its own. */
export interface FakeRecord<Spec extends object> {
  seq: number;
  receivedAt: number;
  injected?: Spec;
  response?: FakeResponse;
  clientGone: boolean;
}

/** The delay variant of a fake's failure spec: the answer comes `delayMs` late. */
export interface DelaySpec {
  delayMs: number;
  /**
   * true: the request takes effect at once and the answer comes late (the API did the work, the client
   * timed out: the duplicate case). false (default): it is held; if the client is still waiting after
   * `delayMs` it is processed normally (a slow API), if the client gave up it never takes effect.
   */
  apply?: boolean;
}

/**
 * A share of requests to fail at random (fault-injection runs): `share` is a probability in [0, 1];
 * the spec's own restrictions (method, path) decide which requests it may hit.
 */
export interface RandomFailure<Spec extends object> {
  share: number;
  spec: Spec;
}

/** How a test or a chaos run makes a fake fail; `Spec` is the fake's own kind of failure. */
export interface FailureModes<Spec extends object> {
  /** Makes the next `times` matching requests fail as `spec` says; queued specs apply in order. */
  failNext(spec: Spec, times?: number): void;
  /** From now on fails a share of the matching requests at random (after `failNext`); `[]` stops it. */
  failRandomly(rules: RandomFailure<Spec>[], random?: () => number): void;
}

/**
 * What a test or a chaos run drives a fake with besides its API: the request log (each record names
 * the failure injected into it), the failure modes, waiting for a state, closing.
 */
export interface FakeControls<Spec extends object, Rec> extends FailureModes<Spec> {
  readonly requests: readonly Rec[];
  /** Resolves with the predicate's value once it is truthy (re-checked after every change); a throw counts as not yet. */
  waitFor<T>(predicate: (fake: this) => T, timeoutMs?: number): Promise<Truthy<T>>;
  close(): Promise<void>;
}

/** Queued `failNext` specs: the first one that matches a request is used, `times` times over. */
class FailureQueue<Spec extends object> {
  private readonly entries: Array<{ spec: Spec; remaining: number }> = [];

  push(spec: Spec, times = 1): void {
    if (times > 0) this.entries.push({ spec, remaining: times });
  }

  take(matches: (spec: Spec) => boolean): Spec | undefined {
    const index = this.entries.findIndex((entry) => matches(entry.spec));
    const entry = this.entries[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.entries.splice(index, 1);
    return entry.spec;
  }

  clear(): void {
    this.entries.length = 0;
  }
}

interface HeldRequest {
  timer: NodeJS.Timeout;
  res: ServerResponse;
}

/**
 * Base of a fake: owns the server, `requests`, queued failures, held answers and the change signal
 * `waitFor` listens to. A subclass routes requests (`handle`), describes itself for a timed-out
 * `waitFor` (`summary`) and answers its own crash body (`crash`).
 */
export abstract class HttpFake<Spec extends object, Rec extends FakeRecord<Spec>>
  implements FakeControls<Spec, Rec>
{
  readonly requests: Rec[] = [];
  /** Last `seq` handed out; never reset, so `seq` stays unique for the life of the fake. */
  protected seq = 0;
  private readonly failures = new FailureQueue<Spec>();
  private randomFailures: { rules: RandomFailure<Spec>[]; random: () => number } = {
    rules: [],
    random: Math.random,
  };
  private readonly held = new Set<HeldRequest>();
  private readonly changes = new EventEmitter();
  private readonly server: Server;

  constructor() {
    // Every pending waitFor adds a listener; many in parallel is normal, not a leak.
    this.changes.setMaxListeners(0);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.crash(res, error));
    });
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  protected abstract crash(res: ServerResponse, error: unknown): void;
  protected abstract summary(): string;

  failNext(spec: Spec, times = 1): void {
    this.failures.push(spec, times);
  }

  /**
   * From now on fails each request with one of `rules` at random (after the `failNext` queue, which
   * wins). One draw of `random` per request that some rule may hit; an empty list turns it off.
   */
  failRandomly(rules: RandomFailure<Spec>[], random: () => number = Math.random): void {
    this.randomFailures = { rules: rules.filter((rule) => rule.share > 0), random };
  }

  waitFor<T>(predicate: (fake: this) => T, timeoutMs = 5000): Promise<Truthy<T>> {
    return new Promise((resolve, reject) => {
      let lastError: unknown;
      const finish = (): void => {
        clearTimeout(timer);
        this.changes.off('change', check);
      };
      const check = (): void => {
        try {
          const value = predicate(this);
          if (!value) return;
          finish();
          resolve(value as Truthy<T>);
        } catch (error) {
          lastError = error; // e.g. reading a message that does not exist yet
        }
      };
      const timer = setTimeout(() => {
        finish();
        const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
        reject(new Error(`waitFor: not met within ${timeoutMs} ms${cause}; ${this.summary()}`));
      }, timeoutMs);
      this.changes.on('change', check);
      check();
    });
  }

  close(): Promise<void> {
    this.dropHeld();
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      // Held and keep-alive connections would otherwise keep close() waiting.
      this.server.closeAllConnections();
    });
  }

  /** Listens on 127.0.0.1 (port 0: a free one); resolves with the origin, `http://127.0.0.1:PORT`. */
  protected listenOn(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        const { port: actual } = this.server.address() as AddressInfo;
        resolve(`http://127.0.0.1:${actual}`);
      });
    });
  }

  /** The shared part of `reset`: held requests, the request log and queued failures (not `seq`). */
  protected resetRequests(): void {
    this.dropHeld();
    this.requests.length = 0;
    this.failures.clear();
  }

  /** Logs a request under the next `seq`; `build` fills in the fake's own fields. */
  protected record(build: (seq: number) => Rec): Rec {
    this.seq += 1;
    const rec = build(this.seq);
    this.requests.push(rec);
    return rec;
  }

  /** Takes the first queued failure that `matches` and marks `rec` with it. */
  protected takeFailure(rec: Rec, matches: (spec: Spec) => boolean): Spec | undefined {
    const spec = this.failures.take(matches) ?? this.drawRandomFailure(matches);
    if (spec) rec.injected = spec;
    return spec;
  }

  /** The rule a request falls into by one draw (shares of the matching rules add up), if any. */
  private drawRandomFailure(matches: (spec: Spec) => boolean): Spec | undefined {
    const candidates = this.randomFailures.rules.filter((rule) => matches(rule.spec));
    if (candidates.length === 0) return undefined;
    let draw = this.randomFailures.random();
    for (const rule of candidates) {
      if (draw < rule.share) return rule.spec;
      draw -= rule.share;
    }
    return undefined;
  }

  /**
   * Answers after `spec.delayMs`. apply: `process` runs at once and only the answer is late. Otherwise
   * `process` runs when the delay ends, and never if the client left first (`clientGone`).
   */
  protected hold(rec: Rec, spec: DelaySpec, res: ServerResponse, process: () => FakeResponse): void {
    const early = spec.apply ? process() : undefined;
    if (early) rec.response = early;
    const held: HeldRequest = {
      res,
      timer: setTimeout(() => {
        this.held.delete(held);
        this.answer(res, rec, early ?? process());
      }, spec.delayMs),
    };
    this.held.add(held);
    res.on('close', () => {
      // Still held when the connection closes: the client gave up before the answer.
      if (!this.held.delete(held)) return;
      clearTimeout(held.timer);
      rec.clientGone = true;
      this.changed();
    });
    if (early) this.changed();
  }

  protected answer(res: ServerResponse, rec: Rec, response: FakeResponse): void {
    rec.response = response;
    send(res, response);
    this.changed();
  }

  /** Wakes pending `waitFor` predicates. */
  protected changed(): void {
    this.changes.emit('change');
  }

  private dropHeld(): void {
    for (const held of this.held) {
      clearTimeout(held.timer);
      held.res.destroy();
    }
    this.held.clear();
  }
}

export function send(res: ServerResponse, response: FakeResponse): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(response.status, { 'content-type': 'application/json; charset=utf-8', ...response.headers });
  res.end(response.rawBody ?? JSON.stringify(response.body));
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A request body as JSON; undefined when empty or not JSON (the fakes answer that themselves). */
export function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** One request header as one string (repeated ones joined, as Node joins most). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
