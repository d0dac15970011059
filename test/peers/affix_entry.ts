/**
 * affix_entry: runs the affix CLI from source (through tsx), so tests can
 * spawn `node --import tsx test/peers/affix_entry.ts postfix ...` without a
 * build; bin/affix.js does the same from dist/, with the same thread pool.
 */
process.env['UV_THREADPOOL_SIZE'] ??= '16';
const { affixMain } = await import('../../src/cli/affix.ts');
const { processIo } = await import('../../src/cli/cli_io.ts');

process.exitCode = await affixMain('affix', process.argv.slice(2), processIo());
