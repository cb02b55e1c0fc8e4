#!/bin/sh
# Archives a release on an InvenioRDM: the first one as a record of its own, every later one
# as the next version of the same concept. Unchanged files are linked, not sent again; a job
# run twice for the same release sends nothing the second time (on a fresh machine too: the
# concept's latest version is compared by version number and md5s).
#
# Usage: release.sh DIST [CITATION.cff]
# Environment:
#   INVENIORDM_URL      the repository, e.g. https://repo.example.org
#   INVENIORDM_TOKEN    a personal access token (keep it in the CI's secrets)
#   INVENIORDM_CONCEPT  the concept id (or DOI) of the first release; empty for the first
#   IRDM                the irdm command (default: irdm)
# Prints `record=…`, `concept=…` and, when there is one, `doi=…` (append them to
# $GITHUB_OUTPUT to use them in later steps). Exit codes are irdm's: 2 a usage error (such as
# a version number published before with other files), 3 refused (the metadata's problems are
# listed), 5 network, 6 an upload the server did not verify.
set -eu
dist=${1:?usage: release.sh DIST [CITATION.cff]}
cff=${2:-CITATION.cff}
irdm=${IRDM:-irdm}

# Check first: every problem the server would report, before anything is created.
"$irdm" deposit --cff "$cff" "$dist" --publish --dry-run >&2

if [ -n "${INVENIORDM_CONCEPT:-}" ]; then
    out=$("$irdm" deposit --cff "$cff" "$dist" --publish --require-verified \
        --new-version-of "$INVENIORDM_CONCEPT")
else
    out=$("$irdm" deposit --cff "$cff" "$dist" --publish --require-verified)
fi
printf '%s\n' "$out" | sed -n \
    -e 's/^published \([^ ]*\).*/record=\1/p' \
    -e 's/^concept \(.*\)/concept=\1/p' \
    -e 's/^doi \(.*\)/doi=\1/p'
