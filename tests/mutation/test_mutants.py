#!/usr/bin/env python3
"""Tests of the mutant generator: that it makes each class of slip, and
that it leaves alone what is not code (comments, strings, directives, file
scope). Run: python3 tests/mutation/test_mutants.py"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import equivalent  # noqa: E402
import mutants  # noqa: E402

SRC = """#include <stdio.h>
#define LIMIT (1 < 2)
static int table[1] = { 0 };
/* a < b && c */
int f(int a, int b)
{
\tconst char *s = "a < b || 1";
\tchar c = '1';
\tif (a <= b && b != 0)
\t\treturn a + 1;
\tlog_it(a,
\t       b);
\tb = g(a);
\treturn b - 1;
}
"""


def mutated(src):
    return {m.kind: m.apply(src) for m in mutants.generate(src)}


class Generate(unittest.TestCase):
    def setUp(self):
        self.ms = mutants.generate(SRC)
        self.kinds = [m.kind for m in self.ms]

    def test_each_class(self):
        for kind in ("operator <= -> <", "operator && -> ||",
                     "operator != -> ==", "if (...) -> if (0)",
                     "if (...) -> if (1)", "constant 0 -> 1", "+1 -> -1",
                     "-1 -> +1", "call log_it() removed"):
            self.assertIn(kind, self.kinds)

    def test_leaves_non_code_alone(self):
        # f's body (lines 9 to 14) and the table's initializer, not its size
        self.assertEqual({m.line for m in self.ms}, {3, 9, 10, 11, 14})
        self.assertEqual([m.kind for m in self.ms if m.line == 3],
                         ["constant 0 -> 1"])
        self.assertNotIn("operator < -> <=", self.kinds)
        self.assertNotIn("operator || -> &&", self.kinds)

    def test_assignment_is_not_a_call_statement(self):
        self.assertNotIn("call g() removed", self.kinds)

    def test_edits(self):
        out = mutated(SRC)
        self.assertIn("\tif (0)\n", out["if (...) -> if (0)"])
        self.assertIn("return a - 1;", out["+1 -> -1"])
        self.assertIn("return b + 1;", out["-1 -> +1"])
        self.assertIn("\tif (a <= b || b != 0)", out["operator && -> ||"])

    def test_removal_keeps_line_numbers(self):
        src = mutated(SRC)["call log_it() removed"]
        self.assertEqual(src.count("\n"), SRC.count("\n"))
        self.assertIn("\t(void)0;\n\n\tb = g(a);", src)

    def test_directive_after_indent_is_skipped(self):
        src = "void f(void)\n{\n  #if 1 < 2\n\tx();\n  #endif\n}\n"
        self.assertEqual([m.kind for m in mutants.generate(src)],
                         ["call x() removed"])


class Lookup(unittest.TestCase):
    TABLE = [equivalent.Equivalent("a.c", 9, "operator <= -> <",
                                   "if (a <= b && b != 0)", "why")]

    def test_by_file_class_and_line_text(self):
        m = [m for m in mutants.generate(SRC) if m.kind == "operator <= -> <"]
        code = SRC.splitlines()[m[0].line - 1]
        self.assertIs(equivalent.lookup("a.c", m[0].kind, code, self.TABLE),
                      self.TABLE[0])
        self.assertIsNone(equivalent.lookup("b.c", m[0].kind, code,
                                            self.TABLE))
        self.assertIsNone(equivalent.lookup("a.c", "operator != -> ==",
                                            code, self.TABLE))
        self.assertIsNone(equivalent.lookup("a.c", m[0].kind,
                                            "if (a <= b)", self.TABLE))

    def test_entries_are_reviewed(self):
        for e in equivalent.EQUIVALENT:
            self.assertTrue(e.why and e.code == e.code.strip(), e)
            with open(os.path.join(os.path.dirname(__file__), "..", "..",
                                   e.file)) as f:
                self.assertIn(e.code, [x.strip() for x in f], e)


if __name__ == "__main__":
    unittest.main()
