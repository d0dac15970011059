import assert from 'node:assert/strict';
import { accessSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { newNameDurableWithFile } from '../../src/queue/queue_fs_durable_name.ts';

/** Mount points and file system names from /proc/mounts: a source independent of statfs(2)'s f_type. */
function mounts(): { dir: string; fstype: string }[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, dir = '', fstype = ''] = line.split(' ');
      return { dir: dir.replace(/\\040/g, ' '), fstype };
    })
    .filter(({ dir }) => {
      try {
        accessSync(dir);
        return true;
      } catch {
        return false;
      }
    });
}

test('a new name is durable with its file on ext4, XFS and btrfs only, going by the mounts of this machine', () => {
  const seen = mounts();
  // The last mount of a directory is the one statfs sees (mounts stack).
  const byDir = new Map(seen.map((m) => [m.dir, m.fstype]));
  assert.ok(byDir.size > 0, 'no mounts readable in /proc/mounts');
  for (const [dir, fstype] of byDir) {
    // ext2 and ext3 share ext4's magic and, on current kernels, its driver.
    const expected = ['ext2', 'ext3', 'ext4', 'xfs', 'btrfs'].includes(fstype);
    assert.equal(newNameDurableWithFile(dir), expected, `${dir} (${fstype})`);
  }
  assert.ok([...byDir.values()].includes('proc'), 'expected /proc among the mounts');
});

test('a directory that cannot be examined gets a sync of its own', () => {
  assert.equal(newNameDurableWithFile('/nonexistent/affix/queue'), false);
});
