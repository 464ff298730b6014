/**
 * Runs the handlers process and kills it as Lambda kills containers: SIGKILL after a random uptime,
 * mid-batch or not, then a fresh one (a cold start). The queues live in the parent and keep every
 * message the dead process held; they come back after the visibility timeout.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { CHAOS_CHILD_ENV, type ChildMessage } from './child-protocol';
import type { DynamoFaultKind, DynamoFaultShares } from './dynamo-faults';

export type SupervisorOptions = {
  env: Record<string, string | undefined>;
  dynamoFaults: DynamoFaultShares;
  seed: number;
  /** Uptime before the kill, drawn from [min, max] ms with `random`. */
  killEveryMs: [number, number];
  random: () => number;
  /** Where the handlers' stdout and stderr go. */
  log: WriteStream;
};

export type SupervisorFigures = {
  starts: number;
  kills: number;
  /** Kills while at least one batch was being handled. */
  killsMidBatch: number;
  /** Processes that ended without being killed (a crash of the handlers themselves); restarted. */
  unexpectedExits: number;
  dynamoFaults: Record<DynamoFaultKind, number>;
};

const CHILD_SOURCE = join(__dirname, 'handlers-child.ts');
const CHILD_BUNDLE = join(__dirname, '..', '.build', 'chaos-handlers.js');

/**
 * Bundles the handlers process once, as CDK bundles a Lambda (esbuild, CommonJS): each restart is
 * then a cold start of one file, not a TypeScript compile of the whole tree.
 */
async function bundleHandlers(): Promise<void> {
  await build({
    entryPoints: [CHILD_SOURCE],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: CHILD_BUNDLE,
    logLevel: 'error',
  });
}

export class ChildSupervisor {
  private child: ChildProcess | undefined;
  private generation = 0;
  private busy = 0;
  private ready = false;
  private killing = true;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  /** Set when a restarted process could not start: the run cannot go on. */
  failure: Error | undefined;
  readonly figures: SupervisorFigures = {
    starts: 0,
    kills: 0,
    killsMidBatch: 0,
    unexpectedExits: 0,
    dynamoFaults: { throttle: 0, serverError: 0, lostAnswer: 0 },
  };

  constructor(private readonly options: SupervisorOptions) {}

  /** Bundles the handlers and starts the first process; resolves when it polls. */
  async start(): Promise<void> {
    await bundleHandlers();
    await this.spawn();
  }

  /** True when a process is up and handles no batch right now. */
  idle(): boolean {
    return this.ready && this.busy === 0;
  }

  /** Stops the random kills (the process keeps running). */
  stopKilling(): void {
    this.killing = false;
    clearTimeout(this.timer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopKilling();
    await this.kill();
  }

  private spawn(): Promise<void> {
    this.generation += 1;
    this.figures.starts += 1;
    this.ready = false;
    this.busy = 0;
    const child = fork(CHILD_BUNDLE, [], {
      execArgv: [],
      env: {
        ...this.options.env,
        // Warnings too (skipped DLQ checks, parked events): the evidence a post-mortem needs.
        POWERTOOLS_LOG_LEVEL: 'WARN',
        [CHAOS_CHILD_ENV.shares]: JSON.stringify(this.options.dynamoFaults),
        // Each process draws its own faults: the seed and the process's number.
        [CHAOS_CHILD_ENV.seed]: String(this.options.seed * 1000 + this.generation),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    const started = Date.now();
    this.note(`process #${this.generation} (pid ${child.pid}) starting`);
    child.stdout?.pipe(this.options.log, { end: false });
    child.stderr?.pipe(this.options.log, { end: false });
    return new Promise((resolve, reject) => {
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'fault') this.figures.dynamoFaults[message.kind] += 1;
        else if (message.type === 'busy') this.busy = message.busy;
        else {
          this.ready = true;
          this.note(`process #${this.generation} polling after ${Date.now() - started} ms`);
          this.scheduleKill();
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        this.note(`process (pid ${child.pid}) exited: ${signal ?? `code ${code}`}`);
        if (this.child !== child) return;
        this.child = undefined;
        if (!this.ready && signal !== 'SIGKILL')
          reject(new Error(`the handlers process exited at start (code ${code}); see the run's log`));
        else if (this.ready && !this.stopped) {
          // Not our kill: the handlers died by themselves. Lambda would start a new container.
          this.figures.unexpectedExits += 1;
          this.ready = false;
          void this.spawn().catch((err: Error) => (this.failure = err));
        }
      });
    });
  }

  private scheduleKill(): void {
    const [min, max] = this.options.killEveryMs;
    if (!this.killing || !Number.isFinite(min)) return;
    this.timer = setTimeout(() => void this.crash(), min + this.options.random() * (max - min));
  }

  private async crash(): Promise<void> {
    if (!this.killing || this.stopped) return;
    this.figures.kills += 1;
    if (this.busy > 0) this.figures.killsMidBatch += 1;
    this.note(`SIGKILL with ${this.busy} batches in progress`);
    await this.kill();
    if (!this.stopped) await this.spawn().catch((err: Error) => (this.failure = err));
  }

  private note(line: string): void {
    this.options.log.write(`[supervisor ${new Date().toISOString()}] ${line}\n`);
  }

  private kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    this.ready = false;
    this.child = undefined; // an exit we caused: not restarted by the exit handler
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
