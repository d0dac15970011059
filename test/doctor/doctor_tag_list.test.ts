/**
 * doctor_tag_list: the tag=value split DKIM and DMARC records share.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tagValues } from '../../src/doctor/doctor_tag_list.ts';

test('tagValues lower-cases tags, keeps values as written and reports parts without =', () => {
  const errors: string[] = [];
  const got = [...tagValues(' V=DKIM1; ; bogus; p= MIIB AQAB ;', errors)];
  assert.deepEqual(got, [
    { index: 0, tag: 'v', value: 'DKIM1' },
    { index: 2, tag: 'p', value: ' MIIB AQAB' },
  ]);
  assert.deepEqual(errors, ['"bogus" is not tag=value']);
});
