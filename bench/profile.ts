/**
 * `--profile`: a CPU profile of the bench process (node:inspector, V8's sampling profiler) over the
 * measured run, written as a .cpuprofile (Chrome DevTools, VS Code, speedscope open it), and its self
 * time summed by area. The process holds everything but DynamoDB Local: the web app, the SQS emulator,
 * the handlers, the Slack and Intercom stand-ins and the bench's own senders. DynamoDB Local (Java)
 * is a child process: its CPU time is read from /proc beside the profile.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, sep } from 'node:path';

type CallFrame = { functionName: string; url: string };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
export type CpuProfile = {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
};

export type ProfileSummary = {
  file: string;
  wallSeconds: number;
  /** CPU seconds (user + system) of this process and of DynamoDB Local over the profile. */
  cpuSeconds: { bench: number; dynamodbLocal: number | null };
  /** Self time by area, largest first, idle left out; shares of the busy time. */
  areas: Array<{ area: string; ms: number; share: number }>;
  /** The profiled thread's time not idle. */
  busyMs: number;
  /** In "other": the packages with the most self time. */
  otherPackages: Array<{ name: string; ms: number }>;
};

const ROOT = join(__dirname, '..');

const AWS_SDK = /^(@aws-sdk|@smithy|@aws-crypto|@aws)\//;
const SQS_EMULATOR =
  /^(fauxqs|fastify|@fastify\/.*|avvio|find-my-way|light-my-request|valibot|toad-cache|pino.*|fast-json-stringify|fast-querystring|fast-uri|ajv.*|abstract-logging|thread-stream|sonic-boom|process-warning|rfdc|secure-json-parse|json-schema-ref-resolver)$/;

const NODE = 'node internals (http, sockets, streams, timers)';

/** The package a file in node_modules belongs to (scoped names kept whole). */
function packageOf(url: string): string | undefined {
  const at = url.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const parts = url.slice(at + '/node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Which area a frame's own time counts for; builtins without a file count for their caller. */
function areaOf(frame: CallFrame): { area: string; pkg?: string } | undefined {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return { area: 'GC' };
  if (functionName === '(idle)') return { area: 'idle' };
  if (functionName === '(program)' || functionName === '(root)') return { area: NODE };
  if (url === '') return undefined;
  if (url.startsWith('node:')) return { area: NODE };
  const path = url.replace(/^file:\/\//, '');
  const pkg = packageOf(path);
  if (pkg) {
    if (AWS_SDK.test(pkg)) return { area: 'AWS SDK / @smithy' };
    if (SQS_EMULATOR.test(pkg)) return { area: 'SQS emulator (fauxqs, fastify)' };
    if (pkg === 'hono' || pkg.startsWith('@hono/')) return { area: 'Hono' };
    if (pkg.startsWith('@aws-lambda-powertools/')) return { area: 'Powertools' };
    return { area: 'other', pkg };
  }
  const inRoot = (dir: string) => path.startsWith(join(ROOT, dir) + sep);
  if (inRoot('functions') || inRoot('common')) return { area: 'our code (functions/, common/)' };
  if (inRoot('local')) return { area: 'local stack (event sources, fakes)' };
  if (inRoot('bench')) return { area: 'bench (senders, meters)' };
  return { area: 'other', pkg: 'other files' };
}

/** Self time per node (ms), from the samples and their time deltas. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // A sample's delta is the time since the previous sample: it belongs to the previous sample's node.
  for (let i = 0; i < samples.length; i++) {
    const next = deltas[i + 1] ?? 0;
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + next / 1000);
  }
  return self;
}

export function summarize(
  profile: CpuProfile,
): Pick<ProfileSummary, 'areas' | 'busyMs' | 'otherPackages' | 'wallSeconds'> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const resolved = new Map<number, { area: string; pkg?: string }>();
  const resolve = (id: number): { area: string; pkg?: string } => {
    const known = resolved.get(id);
    if (known) return known;
    const node = byId.get(id)!;
    const own = areaOf(node.callFrame);
    const up = parent.get(id);
    const area = own ?? (up === undefined ? { area: NODE } : resolve(up));
    resolved.set(id, area);
    return area;
  };
  const areas = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, ms] of selfTimes(profile)) {
    const { area, pkg } = resolve(id);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    if (pkg) packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
  }
  areas.delete('idle');
  const busy = [...areas.values()].reduce((a, b) => a + b, 0);
  return {
    wallSeconds: Math.round((profile.endTime - profile.startTime) / 1e5) / 10,
    busyMs: Math.round(busy),
    areas: [...areas]
      .map(([area, ms]) => ({ area, ms: Math.round(ms), share: Math.round((ms / busy) * 1000) / 10 }))
      .sort((a, b) => b.ms - a.ms),
    otherPackages: [...packages]
      .map(([name, ms]) => ({ name, ms: Math.round(ms) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5),
  };
}

/** User + system CPU seconds of this process's child processes named `java` (DynamoDB Local). */
function javaChildCpuSeconds(): number | null {
  try {
    const ticksPerSecond = 100; // USER_HZ on Linux
    let total = 0;
    let found = false;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      // pid (comm) state ppid … utime(14) stime(15): comm may hold spaces, so split after ')'.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (comm !== 'java' || Number(fields[1]) !== process.pid) continue;
      found = true;
      total += (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    }
    return found ? total : null;
  } catch {
    return null;
  }
}

export type Profiling = { stop: (file: string) => Promise<ProfileSummary> };

export async function startProfiling(): Promise<Profiling> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const cpuStart = process.cpuUsage();
  const javaStart = javaChildCpuSeconds();
  return {
    stop: async (file) => {
      const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
      const cpu = process.cpuUsage(cpuStart);
      const javaEnd = javaChildCpuSeconds();
      await session.post('Profiler.disable');
      session.disconnect();
      writeFileSync(file, JSON.stringify(profile));
      const round = (s: number) => Math.round(s * 10) / 10;
      return {
        file,
        ...summarize(profile),
        cpuSeconds: {
          bench: round((cpu.user + cpu.system) / 1e6),
          dynamodbLocal: javaStart === null || javaEnd === null ? null : round(javaEnd - javaStart),
        },
      };
    },
  };
}
