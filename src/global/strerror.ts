/**
 * strerror: the C library's text for a system error (`%m` in Postfix
 * messages), so `open logfile '/x': cannot open file: Permission denied`
 * reads as Postfix writes it, not as Node's `EACCES: permission denied, open`.
 */

/** errno name -> glibc strerror() text, for the errors file and socket code meets. */
const STRERROR: Readonly<Record<string, string>> = {
  EACCES: 'Permission denied',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EAGAIN: 'Resource temporarily unavailable',
  EBADF: 'Bad file descriptor',
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ETIMEDOUT: 'Connection timed out',
  EDQUOT: 'Disk quota exceeded',
  EEXIST: 'File exists',
  EFBIG: 'File too large',
  EINVAL: 'Invalid argument',
  EIO: 'Input/output error',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  EMFILE: 'Too many open files',
  ENAMETOOLONG: 'File name too long',
  ENFILE: 'Too many open files in system',
  ENOBUFS: 'No buffer space available',
  ENOENT: 'No such file or directory',
  ENOSPC: 'No space left on device',
  ENOTDIR: 'Not a directory',
  ENOTSOCK: 'Socket operation on non-socket',
  ENXIO: 'No such device or address',
  EPERM: 'Operation not permitted',
  EPIPE: 'Broken pipe',
  EPROTOTYPE: 'Protocol wrong type for socket',
  EROFS: 'Read-only file system',
  EXDEV: 'Invalid cross-device link',
};

/** The strerror() text of a Node system error, else its message. */
export function strerror(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && STRERROR[code] !== undefined) return STRERROR[code];
    return err.message;
  }
  return String(err);
}
