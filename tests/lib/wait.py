# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Waiting for a condition instead of sleeping for a guess: a test that
sleeps passes on a quiet machine and fails on a busy one; one that polls a
condition with a generous deadline passes on both and fails only when the
condition never holds."""

import time


def wait_until(cond, timeout):
    """Poll cond() until it holds (True) or timeout seconds pass (False)."""
    deadline = time.time() + timeout
    while not cond():
        if time.time() >= deadline:
            return False
        time.sleep(0.02)
    return True
