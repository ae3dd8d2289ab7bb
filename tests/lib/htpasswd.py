# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Password hashes for the auth plugin's htpasswd files in the tests:
libcrypt's, through Python's crypt module, which Python 3.11 deprecates
(and 3.13 drops): the one place to replace it when it goes."""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

METHODS = {"sha512": crypt.METHOD_SHA512, "sha256": crypt.METHOD_SHA256,
           "bcrypt": crypt.METHOD_BLOWFISH}


def hashed(password, method="sha512", rounds=None):
    """password hashed with a fresh salt: sha512 ($6$), sha256 ($5$) or
    bcrypt ($2b$, rounds being its log2 cost)."""
    return crypt.crypt(password, crypt.mksalt(METHODS[method], rounds=rounds))
