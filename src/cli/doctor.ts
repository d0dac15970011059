/**
 * doctor: `affix doctor`: finds the cause of the common delivery failures
 * on an affix or a Postfix host (relay denied, TLS, reverse DNS,
 * blacklists, SPF/DKIM/DMARC/MX, full mailboxes and unknown users, a
 * growing deferred queue, log health), prints each with its evidence, cause
 * and fix, and exits 0 (clean), 1 (warnings) or 2 (errors). This file only
 * wires the parts; the checks live in src/doctor.
 *
 * Parameters: via -c or MAIL_CONFIG (see doctor_inputs.ts)
 * Diagnostics: usage with exit status 64; `affix doctor: fatal: ...` with
 *   status 1 for an unreadable configuration or log
 * Security: reads the configuration, log, queue and certificate files;
 *   asks the DNS; connects to other hosts only with --probe/--probe-peers;
 *   sends mail only for send-test
 * See: src/doctor/doctor.ts, ../shared/reference/postfix-compat.md
 */
import { runDoctor } from '../doctor/doctor.ts';
import { renderJson, renderText, wantColor } from '../doctor/doctor_report.ts';
import { type CliIo, type CliMain, cliMessages } from './cli_io.ts';
import { doctorInputs } from './doctor_inputs.ts';
import { PROGRAM, parseDoctorCommand } from './doctor_options.ts';

export const main: CliMain = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const cmd = parseDoctorCommand(argv, io);
  const msg = cliMessages(io, PROGRAM);
  const inputs = await doctorInputs(cmd, io, msg);
  const result = await runDoctor(inputs, cmd.check);
  io.stdout.write(cmd.json ? renderJson(result) : renderText(result, { color: wantColor(io.stdout, io.env) }));
  return result.status;
};
