#!/bin/sh
# Style checks that a compiler does not make: unbounded string functions are
# banned from the program's sources (snprintf, memcpy with a length, and
# ks_xstrdup do the same jobs with bounds).
set -eu
root=$(dirname "$0")/..
if grep -rn -E '\b(sprintf|vsprintf|strcpy|strcat|strtok|gets)[[:space:]]*\(' "$root/scanner" "$root/formats" 2>/dev/null; then
    echo "style: banned function above (use snprintf, memcpy with a length, ks_xstrdup)"
    exit 1
fi
echo "style: 0 banned calls"
