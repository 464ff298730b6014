import './env';
/**
 * `npm run chaos`: the local pipeline under faults. The handlers run in a child process that is
 * SIGKILLed every few seconds; the Slack and Intercom stand-ins answer a share of calls with 429, 500
 * or not in time after doing the work; the handlers' DynamoDB client is throttled and fails a share
 * of requests; invalid messages go straight onto the errors queue. Then it counts what was lost and
 * duplicated (definitions in bench/chaos/audit-events.ts), prints a table, writes
 * bench/results/chaos-<timestamp>.json and exits 1 on any loss, duplicate, fix job in the notify DLQ
 * or invalid event without its reason. Options: --rate <events/s>, --seconds <n>, --seed <n>,
 * --short (CI), --visibility <s>, --kill-every <min>-<max> (s), --settle-timeout <s>, --calm (no
 * faults, no kills: the baseline). The workload and the sequences of fault draws follow the seed;
 * which request meets which draw, and when a kill lands, depend on timing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseChaosOptions } from './chaos/options';
import { failures, printTable } from './chaos/report';
import { RESULTS_DIR, runChaos } from './chaos/run';

async function main(): Promise<number> {
  const options = parseChaosOptions(process.argv.slice(2));
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(RESULTS_DIR, `chaos-${stamp}`);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const result = await runChaos(options, { log: `${file}.log` }, say, (teardown) => {
    // Ctrl-C or a CI timeout: no DynamoDB Local or handlers process may outlive the run.
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => void teardown().finally(() => process.exit(130)));
  });
  const problems = failures(result);
  writeFileSync(`${file}.json`, `${JSON.stringify({ ...result, failures: problems }, null, 2)}\n`);
  printTable(result, (text) => process.stdout.write(text));
  process.stdout.write(`written to ${file}.json (handler logs: ${file}.log)\n`);
  if (problems.length > 0) process.stdout.write(`FAILED: ${problems.join('; ')}\n`);
  return problems.length > 0 ? 1 : 0;
}

void main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`chaos: ${err.stack ?? err.message}\n`);
    process.exit(2);
  },
);
