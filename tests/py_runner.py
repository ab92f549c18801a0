"""The runner shared by the recipe's Python tests: every `test_*` function of a module, with an
optional context object, one line per test and the closing `N passed, N failed` line that CI reads.
"""
from __future__ import annotations

import traceback


def run_tests(namespace: dict, make_ctx=None, cleanup=None, max_msg: int = 1000) -> int:
    """Runs the callables named test_* in `namespace`, passing the context to those taking an
    argument. A context that cannot be made counts as one failure. Returns the exit code."""
    tests = [(k, v) for k, v in namespace.items() if k.startswith("test_") and callable(v)]
    try:
        c = make_ctx() if make_ctx else None
    except (Exception, SystemExit):
        traceback.print_exc()
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    try:
        for name, fn in tests:
            try:
                fn(c) if fn.__code__.co_argcount else fn()
                passed += 1
                print(f"ok    {name}")
            except Exception as e:
                failed += 1
                print(f"FAIL  {name}: {type(e).__name__}: {str(e)[:max_msg]}")
    finally:
        if cleanup and c is not None:
            cleanup(c)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
