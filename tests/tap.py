# SPDX-License-Identifier: BSD-3-Clause
"""TAP output (Test Anything Protocol) for the Python test programs:
check() prints one numbered result, plan() prints the plan line and
gives the exit status."""

n_test = 0
failed = 0


def check(ok, what, detail=""):
    """One result; on failure, @detail follows as '#' lines."""
    global n_test, failed
    n_test += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n_test, what),
          flush=True)
    if not ok:
        failed += 1
        if detail:
            print("# " + str(detail).replace("\n", "\n# "), flush=True)
    return ok


def plan(extra_failure=False):
    """Print the plan; @return the exit status (1 when anything failed)."""
    print("1..%d" % n_test, flush=True)
    return 1 if failed or extra_failure else 0
