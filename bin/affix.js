#!/usr/bin/env node
// affix: the command-line entry point. Runs the CLI compiled into dist/ (built
// by `npm ci`, `npm start` and `npm test`); the source is src/cli/affix.ts.
import { affixMain } from '../dist/cli/affix.js';
import { processIo } from '../dist/cli/cli_io.js';

process.exitCode = await affixMain(process.argv[1] ?? 'affix', process.argv.slice(2), processIo());
