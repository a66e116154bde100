#!/usr/bin/env bash
# ctest runs every clipwb test binary through this wrapper (clipwb_add_test).
# A Qt Test binary reports a skipped function as a pass (exit 0); a cross-check
# that was skipped because a prerequisite is missing (tests/support/CrossCheck.h
# prints "cross-check not run: ...") must not look like a pass, so the wrapper
# exits 77 then, which ctest reports as "Skipped" and lists in its summary
# ("The following tests did not run"). It also names every skipped function,
# here and in $CLIPWB_SKIPPED_LOG (one line each), which quickstart.sh prints.
# Everything else (pass, failure, crash, timeout) goes through unchanged.
set -u
log=$(mktemp "${TMPDIR:-/tmp}/clipwb-test.XXXXXX")
trap 'rm -f "$log"' EXIT
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 77 ]; then
  rc=1 # 77 failed functions must not read as a skip
fi
if [ "$rc" -eq 0 ] && grep -q "cross-check not run:" "$log"; then
  echo "clipwb: cross-checks not run (missing prerequisites):"
  grep "^SKIP .*cross-check not run:" "$log" | sed 's/^SKIP *: */  /'
  if [ -n "${CLIPWB_SKIPPED_LOG:-}" ]; then
    grep "^SKIP .*cross-check not run:" "$log" | sed 's/^SKIP *: *//' >>"$CLIPWB_SKIPPED_LOG" || true
  fi
  exit 77
fi
exit "$rc"
