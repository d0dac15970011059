#!/usr/bin/env node
// affix: the command-line entry point. Runs the CLI compiled into dist/ (built
// by `npm ci`, `npm start` and `npm test`); the source is src/cli/affix.ts.
//
// Queue files are synced on libuv's thread pool, 4 threads by default; group
// commit syncs many files at once, so give it more. This must happen before
// the first asynchronous file operation, hence the dynamic imports below.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { affixMain } = await import('../dist/cli/affix.js');
const { processIo } = await import('../dist/cli/cli_io.js');

process.exitCode = await affixMain(process.argv[1] ?? 'affix', process.argv.slice(2), processIo());
