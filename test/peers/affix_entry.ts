/**
 * affix_entry: runs the affix CLI from source (through tsx), so tests can
 * spawn `node --import tsx test/peers/affix_entry.ts postfix ...` without a
 * build; bin/affix.js does the same from dist/.
 */
import { affixMain } from '../../src/cli/affix.ts';
import { processIo } from '../../src/cli/cli_io.ts';

process.exitCode = await affixMain('affix', process.argv.slice(2), processIo());
