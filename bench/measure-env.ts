// Imported first by the benchmark, after bench/env.ts: the functions log and publish metrics as on
// AWS (Powertools' default level, INFO; EMF metrics on), so that the bench can count the bytes they
// write. bench/measure-logs.ts takes those lines off stdout and stderr while it counts.
import './env';

process.env.POWERTOOLS_METRICS_DISABLED = 'false';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'HeadsUp';
delete process.env.POWERTOOLS_LOG_LEVEL;
