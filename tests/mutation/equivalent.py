"""Survivors reviewed and found equivalent: mutants whose object code
differs from the original's but whose behaviour cannot (a bound that the
code before it already enforces, a branch both of whose arms give the
same result). The runner reports them as "equivalent (explained)" and
leaves them out of the score; every other survivor counts against it.

An entry names the file, the mutant's class and the source line as it
reads (stripped of blanks), so that it follows the line when code above
it moves; the line number is for the reader. An entry that no longer
matches any mutant is reported as stale; one whose mutant a test kills
is reported as wrong. Pure data and lookup, tested in test_mutants.py.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Equivalent:
    file: str
    line: int       # where it was when reviewed
    kind: str       # the mutant's class, as mutants.py names it
    code: str       # the stripped source line the mutant edits
    why: str


EQUIVALENT = [
    Equivalent('userspace/core/static.c', 65, 'if (...) -> if (1)',
               'if (!no_openat2) {',
               'the flag only saves a syscall: once openat2 failed with ENOSYS, trying it again fails the same way and falls through to the same walk'),
    Equivalent('userspace/core/static.c', 73, 'if (...) -> if (0)',
               'if (!strcmp(rel, ".")) {',
               'the walk opens "." beneath dirfd to the same directory ("." is no symlink, O_NOFOLLOW changes nothing): the shortcut only saves an open'),
    Equivalent('userspace/core/static.c', 115, 'if (...) -> if (0)',
               'if (!end)',
               'khttp_error_build() of a 416 into WORKER_PATH_MAX bytes always fits (a fixed page of some 300 bytes) and always holds the blank line, so end is never NULL'),
    Equivalent('userspace/core/static.c', 118, 'constant 1 -> 0',
               'body = malloc(h.content_length + 1);',
               'the copy is content_length bytes, never NUL-terminated; the error page is never empty, so malloc(0) cannot happen either'),
    Equivalent('userspace/core/static.c', 145, 'constant 0 -> 1',
               '*start = 0;',
               'every answer that sends the file sets *start (khttp_range_resolve writes it first); 304 and 412 send none of it, and a range start with length 0 sends nothing (conn_queue: file_end = off + 0)'),
    Equivalent('userspace/core/static.c', 157, 'if (...) -> if (0)',
               'if (h->status == 416)',
               'the function ends with return h->status, which is 416 too; the fields set in between are not read by send_416()'),
    Equivalent('userspace/gateway/output.c', 24, 'if (...) -> if (0)',
               'if (n < 0 && errno == EINTR)',
               "send() with MSG_DONTWAIT never sleeps, so it is never interrupted, and tls_send() maps OpenSSL's retries to EAGAIN: EINTR does not occur"),
    Equivalent('userspace/gateway/output.c', 24, 'operator < -> <=',
               'if (n < 0 && errno == EINTR)',
               'conn_send() of a non-zero length never returns 0 (send() does not; tls_send() only on a received close_notify, where both loop again)'),
    Equivalent('userspace/gateway/output.c', 24, 'constant 0 -> 1',
               'if (n < 0 && errno == EINTR)',
               'n < 1 is n <= 0, and conn_send() of a non-zero length never returns 0'),
    Equivalent('userspace/gateway/output.c', 26, 'operator < -> <=',
               'if (n < 0 && errno == EAGAIN)',
               'conn_send() of a non-zero length never returns 0'),
    Equivalent('userspace/gateway/output.c', 26, 'constant 0 -> 1',
               'if (n < 0 && errno == EAGAIN)',
               'n < 1 is n <= 0, and conn_send() of a non-zero length never returns 0'),
    Equivalent('userspace/gateway/output.c', 28, 'operator < -> <=',
               'if (n < 0)',
               'conn_send() of a non-zero length never returns 0'),
    Equivalent('userspace/gateway/output.c', 28, 'constant 0 -> 1',
               'if (n < 0)',
               'n < 1 is n <= 0, and conn_send() of a non-zero length never returns 0'),
    Equivalent('userspace/gateway/output.c', 50, 'if (...) -> if (1)',
               'if (n > j->out_cap - j->out_len) {',
               'growing a buffer that already has room only moves it to a larger one: the same bytes are queued'),
    Equivalent('userspace/gateway/output.c', 50, 'operator > -> >=',
               'if (n > j->out_cap - j->out_len) {',
               'growing when the bytes fit exactly only moves the buffer to a larger one'),
    Equivalent('userspace/gateway/output.c', 107, 'if (...) -> if (1)',
               'if (r->kind == CGI_RESP_CLIENT_REDIRECT) {',
               'every head with a Location is a redirect (cgi_resp_parse), so for any other kind r->location is empty, location_len 0, and no Location field is built either way'),
    Equivalent('userspace/gateway/output.c', 192, 'if (...) -> if (1)',
               'if (rc == KHTTP_DONE)',
               'proxy_parse_response() zeroes r first, so freeing it after a failed parse frees NULL pointers'),
    Equivalent('userspace/gateway/output.c', 244, 'call log_msg() removed',
               'log_msg("%s: output beyond what its head allows (status %d): cut, closing",',
               'only the log line; what the client and the job see is the same'),
    Equivalent('userspace/proxy/proxy_http.c', 143, 'constant 0 -> 1',
               'if (getrandom(&r, sizeof(r), 0) != sizeof(r))',
               'flags 1 is GRND_NONBLOCK: it differs only before the kernel\'s pool is initialised (early boot), and then the fallback still makes a token of the same form'),
    Equivalent('userspace/proxy/proxy_http.c', 66, 'constant 0 -> 1',
               'u16 pos = 0;',
               'khttp_field_next() from byte 1 instead of the start returns one made-up field first, named from the second byte of the request line (a space in it, or a CRLF) up to the next colon, which matches no field name and is skipped on the name alone, then goes on at the next line: every real field is still walked (six walks in the file)'),
]


def lookup(path, kind, code, table=None):
    """The entry explaining the mutant of class kind on the source line
    code of path, or None."""
    code = code.strip()
    for e in EQUIVALENT if table is None else table:
        if e.file == path and e.kind == kind and e.code == code:
            return e
    return None
