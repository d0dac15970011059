/**
 * Config.params: each parameter typed at its first read, then kept; a bad
 * value is an error at every read of that parameter only (the others still
 * read); nothing can be assigned, added or deleted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfig } from '../../src/config/config.ts';
import { ConfigError } from '../../src/config/config_error.ts';
import { configDir } from '../peers/tmpdir.ts';

test('params are typed once and read-only afterwards', async (t) => {
  const config = await readConfig(configDir(t, 'smtpd_timeout = 30s\nline_length_limit = 4096\n'));
  const params = config.params;
  assert.equal(params.smtpd_timeout, 30);
  assert.equal(params.smtpd_timeout, 30, 'the second read gives the kept value');
  assert.equal(params.line_length_limit, 4096);
  assert.throws(() => {
    (params as { smtpd_timeout: number }).smtpd_timeout = 1;
  }, TypeError);
  assert.throws(() => {
    delete (params as { smtpd_timeout?: number }).smtpd_timeout;
  }, TypeError);
  assert.throws(() => {
    (params as unknown as Record<string, unknown>)['no_such_parameter'] = 1;
  }, TypeError);
  assert.equal(params.smtpd_timeout, 30);
  assert.ok(Object.keys(params).includes('message_size_limit'), 'every parameter is listed');
});

test('a bad value fails each read of its own parameter and no other', async (t) => {
  const dir = configDir(t, 'smtpd_timeout = soon\n');
  const params = (await readConfig(dir)).params;
  for (let i = 0; i < 2; i++) assert.throws(() => params.smtpd_timeout, ConfigError);
  assert.equal(params.line_length_limit, 2048);
});
