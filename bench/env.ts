// Imported first by the benchmark: Powertools reads these when its modules load. Metric lines and
// info logs would cost time and flood the output of a run that measures time.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
