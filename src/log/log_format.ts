/**
 * log_format: the bytes of a log record in each place it goes. Every record
 * is `tag[pid]: text` with tag = `$syslog_name/program`; maillog_file adds
 * postlogd's time stamp and host, syslog the RFC 3164 priority and time
 * stamp, and a command's stderr gets `program: text` as msg_vstream prints it.
 *
 * Parameters: syslog_name, myhostname (first label, as postlogd writes it)
 * Standards: RFC 3164 section 4.1
 * See: postfix/src/util/msg_logger.c, postfix/src/util/msg_syslog.c,
 *      postfix/src/util/msg_vstream.c, postfix/src/global/mail_task.c
 */

/**
 * The program tag: `postfix/smtpd`, `postfix/submission/smtpd`. Like
 * mail_task(), only the last path component of `program` counts.
 */
export function logTag(syslog_name: string, program: string): string {
  const slash = program.lastIndexOf('/');
  const base = slash >= 0 && slash < program.length - 1 ? program.slice(slash + 1) : program;
  return `${syslog_name}/${base}`;
}

/** `postfix/smtpd[12574]: `, the part of a record before its text. */
export function recordHead(tag: string, pid: number): string {
  return `${tag}[${pid}]: `;
}

/** The host field of maillog_file lines: myhostname up to its first dot (`mx` for mx.example.test). */
export function logHost(myhostname: string): string {
  const dot = myhostname.indexOf('.');
  return dot < 0 ? myhostname : myhostname.slice(0, dot);
}

/** `Nov 01 09:05:17 mx postfix/smtpd[12574]: text\n`: one maillog_file line (stamp from fileStamp). */
export function fileLine(stamp: string, host: string, record: string): string {
  return `${stamp} ${host} ${record}\n`;
}

/** `<22>Nov  1 09:05:17 postfix/smtpd[12574]: text`: one syslog datagram (stamp from syslogStamp). */
export function syslogDatagram(priority: number, stamp: string, record: string): string {
  return `<${priority}>${stamp} ${record}`;
}

/** `postsuper: warning: text\n`: a message echoed on a command's stderr (prefix from LOG_LEVELS). */
export function stderrLine(program: string, prefix: string, text: string): string {
  return `${program}: ${prefix}${text}\n`;
}
