"""The mutants of a C source file: pure text work, no I/O, so the generator
can be tested on its own (test_mutants.py) and the runner only applies
what it is given.

A mutant is one small edit a test suite should notice: a comparison or
boundary operator turned into its neighbour, && and || swapped, an if's
condition forced to 0 or 1, a constant 0/1 swapped, +1/-1 swapped, or a
call statement removed. Comments, strings, character constants and
preprocessor lines are never touched, nor anything at file scope but
the contents of initializers' braces, so every mutant is a plausible slip of the pen, not a syntax
error.
"""
import re
from dataclasses import dataclass

# One C token per match; the order decides: comments before '/', long
# operators before their prefixes.
TOKEN = re.compile(r"""
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:\\.|[^"\\\n])*")
  | (?P<char>'(?:\\.|[^'\\\n])*')
  | (?P<pp>^[ \t]*\#(?:\\\n|[^\n])*)
  | (?P<number>\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.])*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct><<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^!~<>=?:;,.(){}\[\]])
  | (?P<space>[ \t\r\f\v]*\n|[ \t\r\f\v]+)
  | (?P<other>.)
""", re.S | re.M | re.X)

OPERATORS = {
    "<": ["<="], "<=": ["<"], ">": [">="], ">=": [">"],
    "==": ["!="], "!=": ["=="], "&&": ["||"], "||": ["&&"],
}
KEYWORDS = {
    "if", "else", "while", "for", "do", "switch", "case", "default",
    "return", "goto", "break", "continue", "sizeof", "typeof",
    "__typeof__", "_Static_assert", "static_assert",
}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int
    depth: int      # brace depth before the token


@dataclass(frozen=True)
class Mutant:
    line: int       # 1-based line of the edit's start
    start: int      # byte span of the source it replaces
    end: int
    replacement: str
    kind: str       # what class of slip it models

    def apply(self, src):
        return src[:self.start] + self.replacement + src[self.end:]


def tokenize(src):
    """The significant tokens of src (no blanks, comments or directives)."""
    toks, depth = [], 0
    for m in TOKEN.finditer(src):
        kind = m.lastgroup
        if kind in ("space", "comment", "pp"):
            continue
        text = m.group()
        if text == "}":
            depth -= 1
        toks.append(Token(kind, text, m.start(), m.end(), depth))
        if text == "{":
            depth += 1
    return toks


def matching_paren(toks, i):
    """Index of the ')' closing the '(' at toks[i]."""
    level = 0
    for j in range(i, len(toks)):
        if toks[j].text == "(":
            level += 1
        elif toks[j].text == ")":
            level -= 1
            if level == 0:
                return j
    raise ValueError("unbalanced parentheses at offset %d" % toks[i].start)


def control_heads(toks):
    """Indexes of the ')' that close an if/while/for/switch head: what
    follows one starts a statement."""
    heads = set()
    for i, t in enumerate(toks):
        if (t.kind == "ident" and t.text in ("if", "while", "for", "switch")
                and i + 1 < len(toks) and toks[i + 1].text == "("):
            heads.add(matching_paren(toks, i + 1))
    return heads


def call_statement_end(toks, i, heads):
    """The index of the ';' ending the call statement `f(...);` that starts
    at toks[i], or None when toks[i] does not start one."""
    t = toks[i]
    if t.kind != "ident" or t.text in KEYWORDS or t.depth < 1:
        return None
    if i + 1 >= len(toks) or toks[i + 1].text != "(":
        return None
    prev = toks[i - 1] if i else None
    starts = prev is None or prev.text in (";", "{", "}", "else") or \
        (i - 1) in heads
    if not starts:
        return None
    close = matching_paren(toks, i + 1)
    if close + 1 < len(toks) and toks[close + 1].text == ";":
        return close + 1
    return None


def generate(src):
    """Every mutant of src, in source order."""
    toks = tokenize(src)
    heads = control_heads(toks)
    out = []

    def line_of(pos):
        return src.count("\n", 0, pos) + 1

    def add(start, end, repl, kind):
        out.append(Mutant(line_of(start), start, end, repl, kind))

    for i, t in enumerate(toks):
        if t.depth < 1:
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        for repl in OPERATORS.get(t.text, []) if t.kind == "punct" else []:
            add(t.start, t.end, repl, "operator %s -> %s" % (t.text, repl))
        if t.kind == "number" and t.text in ("0", "1"):
            repl = "1" if t.text == "0" else "0"
            add(t.start, t.end, repl, "constant %s -> %s" % (t.text, repl))
        if t.text in ("+", "-") and nxt is not None and nxt.text == "1":
            repl = "-" if t.text == "+" else "+"
            add(t.start, t.end, repl, "%s1 -> %s1" % (t.text, repl))
        if t.text == "if" and nxt is not None and nxt.text == "(":
            close = matching_paren(toks, i + 1)
            inner = (toks[i + 2].start, toks[close].start)
            for repl in ("0", "1"):
                add(inner[0], inner[1], repl, "if (...) -> if (%s)" % repl)
        end = call_statement_end(toks, i, heads)
        if end is not None:
            span = src[t.start:toks[end].end]
            # keep the line count, so later lines keep their numbers
            add(t.start, toks[end].end, "(void)0;" + "\n" * span.count("\n"),
                "call %s() removed" % t.text)
    return out
