/**
 * trivial_rewrite_peer: asks Postfix 3.7's own trivial-rewrite daemon, run in
 * stand-alone mode (`-S`: the request on stdin, the reply on stdout, in
 * Postfix's null-terminated attribute format), with a private main.cf. One
 * process per request. Needs root (the daemon reads main.cf, then drops to
 * mail_owner) and Debian's postfix package.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { missingPrograms } from '../peers/programs.ts';
import { tempDir } from '../peers/tmpdir.ts';

export const TRIVIAL_REWRITE = '/usr/lib/postfix/sbin/trivial-rewrite';

/** Why the real daemon cannot be asked here, or undefined when it can. */
export function trivialRewriteMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to run trivial-rewrite';
  const missing = missingPrograms(['postconf']);
  if (missing !== undefined) return missing;
  try {
    accessSync(TRIVIAL_REWRITE, constants.X_OK);
    return undefined;
  } catch {
    return `${TRIVIAL_REWRITE} is not installed`;
  }
}

/** A private configuration directory for the daemon: `mainCf` plus the paths it needs. */
export function postfixConfig(t: TestContext, mainCf: string): string {
  const dir = tempDir(t, 'affix-trivial-rewrite-');
  mkdirSync(join(dir, 'queue'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(
    join(dir, 'main.cf'),
    `queue_directory = ${dir}/queue\ndata_directory = ${dir}/data\nconfig_directory = ${dir}\n${mainCf}`,
  );
  writeFileSync(join(dir, 'master.cf'), '');
  return dir;
}

/** Sends one request (attribute name/value pairs) and returns the reply's attributes, in order. */
function ask(dir: string, attrs: readonly (readonly [string, string])[]): Promise<[string, string][]> {
  const request = `${attrs.map(([n, v]) => `${n}\0${v}\0`).join('')}\0`;
  return new Promise((resolve, reject) => {
    const child = spawn(TRIVIAL_REWRITE, ['-S'], { env: { ...process.env, MAIL_CONFIG: dir } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', () => {
      const fields = Buffer.concat(out).toString('utf8').split('\0');
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < fields.length && fields[i] !== ''; i += 2) pairs.push([fields[i]!, fields[i + 1]!]);
      if (pairs.length === 0) reject(new Error(`trivial-rewrite gave no reply: ${Buffer.concat(err).toString()}`));
      else resolve(pairs);
    });
    child.stdin.end(request);
  });
}

export interface PostfixResolveReply {
  readonly transport: string;
  readonly nexthop: string;
  readonly recipient: string;
  /** RESOLVE_FLAG_* and RESOLVE_CLASS_* bits. */
  readonly flags: number;
}

/** A `resolve` (or `verify`) request for `address` (internal form) from `sender`. */
export async function postfixResolve(dir: string, address: string, sender = '', verify = false) {
  const reply = await ask(dir, [
    ['request', verify ? 'verify' : 'resolve'],
    ['sender', sender],
    ['address', address],
  ]);
  const get = (name: string) => reply.filter(([n]) => n === name).map(([, v]) => v);
  return {
    transport: get('transport')[0] ?? '',
    nexthop: get('nexthop')[0] ?? '',
    recipient: get('recipient')[0] ?? '',
    flags: Number(get('flags')[1] ?? 0),
  } satisfies PostfixResolveReply;
}

/** A `rewrite` request: `address` in external form, rewritten in context `rule`. */
export async function postfixRewrite(dir: string, rule: 'local' | 'remote', address: string): Promise<string> {
  const reply = await ask(dir, [
    ['request', 'rewrite'],
    ['rule', rule],
    ['address', address],
  ]);
  return reply.find(([n]) => n === 'address')?.[1] ?? '';
}

/** The flag bits of a reply from resolveAddress(), as Postfix sends them. */
export function flagBits(r: {
  readonly routed: boolean;
  readonly error: boolean;
  readonly fail: boolean;
  readonly class: string | null;
}): number {
  const classes: Readonly<Record<string, number>> = {
    local: 1 << 8,
    alias: 1 << 9,
    virtual: 1 << 10,
    relay: 1 << 11,
    default: 1 << 12,
  };
  return (
    (r.routed ? 1 << 1 : 0) | (r.error ? 1 << 2 : 0) | (r.fail ? 1 << 3 : 0) | (r.class ? (classes[r.class] ?? 0) : 0)
  );
}
