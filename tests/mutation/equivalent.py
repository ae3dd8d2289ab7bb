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
]


def lookup(path, kind, code, table=None):
    """The entry explaining the mutant of class kind on the source line
    code of path, or None."""
    code = code.strip()
    for e in EQUIVALENT if table is None else table:
        if e.file == path and e.kind == kind and e.code == code:
            return e
    return None
