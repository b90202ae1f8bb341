"""Loaded at start-up by the server processes of test_reliability.py (through PYTHONPATH).

The engine never raises on any text, so no real input reaches the server's error path. With
NANGUARD_TEST_FAILURE_MARKER set, the engine fails on documents containing that text, so the
test can check that the server survives, logs the error and keeps the last good diagnostics.
"""

import os

import nanguard.engine

_marker = os.environ.get("NANGUARD_TEST_FAILURE_MARKER")
_analyze = nanguard.engine.analyze


def _failing_on_request(text, *args, **kwargs):
    if _marker and _marker in text:
        raise RuntimeError("engine failure injected by the test")
    return _analyze(text, *args, **kwargs)


nanguard.engine.analyze = _failing_on_request
