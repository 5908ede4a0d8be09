#!/usr/bin/env bash
# Repeats the lines around each failure of a long test log at its end, where a CI log or a
# terminal that keeps only the tail still shows them. Usage: failure-digest.sh LOG
set -euo pipefail
log=$1
echo
echo "=== what failed (the whole log is in $log) ==="
sed 's/\x1b\[[0-9;]*m//g' "$log" \
  | grep -n -E 'fatal: \[|FAILED!|\[ERROR\]|[│ ]E  +[A-Za-z]|FAILED|Traceback' -A 12 \
  | cut -c1-240 | tail -n 150
