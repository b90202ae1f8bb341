"""nanguard's version, read by the packaging (pyproject.toml) and at run time.

Why a module: asking ``importlib.metadata`` costs tens of milliseconds of imports, and the
command line needs the version on every run (it is part of every cache key).
"""

VERSION = "0.1.0"
