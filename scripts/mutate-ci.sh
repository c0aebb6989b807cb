#!/usr/bin/env bash
# scripts/mutate-ci.sh: mutation testing of the oracles, as CI runs it: the
# checkers (sim/check_*.c) and our registry (registry/*.c), judged by the
# unit, scenarios and fuzz suites under ASan+UBSan (scripts/mutate.py,
# docs/MUTATION.md).  Owns the list of files CI mutates; nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

# Every file whose mutants CI judges; their equivalent mutants are listed
# in scripts/mutate-equivalents.txt.  registry/compat/*.c is the glue that
# lets another (global-API) implementation stand in for ours, judged by
# its own unit tests (registry/compat/tests).
MUTATED_FILES=(sim/check_data.c sim/check_output.c sim/check_resources.c
               sim/check_registry.c
               registry/replication.c registry/error.c registry/impl.c
               registry/compat/adapter.c registry/compat/error.c registry/compat/glib.c)
# The sample's first judges: the unit tests of those files, the checkers'
# own first (a mutant falls to its file's test in seconds; the whole
# project need not be built).
OWN_TESTS=sim/check_data,sim/check_output,sim/check_resources,sim/check_registry,\
sim/check_registry_edges,registry/walks,registry/removal,registry/registry,registry/error,\
registry/model,registry/impl,registry/alloc_fault,registry/impl_default,\
registry/compat_adapter,registry/compat_headers

usage() {
    cat <<'TXT'
usage: scripts/mutate-ci.sh sample [SEED] | full | list | --help
  sample [SEED]  12 mutants of the mutated files, chosen by SEED (default:
                 the commit, git rev-parse HEAD), one worker, judged by the
                 files' own unit tests; a mutant that survives them is
                 judged again by the unit, scenarios and fuzz suites (the
                 sample fails if it survives those too)
  full           every mutant of those files, two workers; the report
                 and its JSON are written to build-mutate/report.txt and
                 report.json
  list           only check that every listed equivalent mutant of those
                 files is still one of their mutants (no build; seconds)
All exit 0 when every mutant judged is killed or listed as equivalent,
1 when one survived (or the list of equivalents is wrong), 2 on a setup,
build or baseline error.  Run long jobs with nice.
TXT
}

case "${1:-}" in
-h|--help) usage; exit 0 ;;
list)
    [ $# = 1 ] || { usage >&2; exit 2; }
    exec python3 scripts/mutate.py --check-list "${MUTATED_FILES[@]}" ;;
sample)
    seed=${2:-$(git rev-parse HEAD 2>/dev/null || echo 0)}
    # A stale list fails the sample only when a survivor is judged again;
    # say it first, whatever the sample.
    python3 scripts/mutate.py --check-list "${MUTATED_FILES[@]}"
    ensure_packages
    mkdir -p build-mutate
    status=0
    python3 scripts/mutate.py --jobs 1 --sample 12 --seed "$seed" --tests "$OWN_TESTS" \
        --min-limit 5 --json build-mutate/sample.json "${MUTATED_FILES[@]}" || status=$?
    [ "$status" = 1 ] || exit "$status"
    # Survivors of the unit tests: every suite judges them (a scenario may
    # kill what no unit test does).  None: the 1 was a problem of the list.
    python3 -c 'import json, sys
for e in json.load(open(sys.argv[1])):
    if e["status"] == "survived":
        print(e["file"] + "\t" + e["key"])' build-mutate/sample.json >build-mutate/sample.keys
    [ -s build-mutate/sample.keys ] || exit 1
    echo "mutate-ci: $(wc -l <build-mutate/sample.keys) survivor(s) of the unit tests: judged by every suite" >&2
    exec python3 scripts/mutate.py --jobs 1 --keys build-mutate/sample.keys "${MUTATED_FILES[@]}" ;;
full)
    [ $# = 1 ] || { usage >&2; exit 2; }
    ensure_packages
    mkdir -p build-mutate
    status=0
    python3 scripts/mutate.py --jobs 2 --json build-mutate/report.json \
        "${MUTATED_FILES[@]}" \
        >build-mutate/report.txt || status=$?
    cat build-mutate/report.txt
    exit "$status" ;;
*) usage >&2; exit 2 ;;
esac
