#!/bin/sh
# trace_text.sh: the trace text of every suite scenario, pinned.  The trace
# is rendered lazily from typed events (sim/trace.c); this digest is of the
# text `run --trace` writes for the whole of scenarios/suites, so a change
# to any line's rendering, or to what a suite scenario does, shows here.
# It was taken with 9eb8ec2's binary (before the lazy trace) and today's
# binary, which wrote the same 12,541 lines byte for byte.
#
# When a change to the trace text or to a suite is meant, update PINNED to
# the digest this test prints, and say why in the commit.
# Issue 20 added scenarios/suites/liveness; the text of the other suites
# did not change: with --exclude liveness/ the digest is still the one
# pinned before, 05eb9e108a55b3f787524e5b14aff6b9a3090858b71474bfabcec4ac47c805c4.
# Issue 18 split registry/errp_already_set_keeps_the_earlier_error.scn into
# one errp=set scenario per walk (errp_set_keeps_the_earlier_error_in_*):
# with the old file back and --exclude errp_set_keeps, the digest is still
# the one pinned before, 634a30f0e590caa25ea4b10f32689d03a195d6ffa6d1ad17173ea9b089d4a975.
#
# Usage: sh trace_text.sh PATH/TO/replbench SOURCE_ROOT
RB=${1:?usage: trace_text.sh PATH/TO/replbench SOURCE_ROOT}
ROOT=${2:?usage: trace_text.sh PATH/TO/replbench SOURCE_ROOT}
PINNED=b39a8fa63f8c51eb2774450c1297e1b30b0fec085dfff8eebd25c61f6e719781

# The pin is of our registry with fault points: other builds trace otherwise.
version=$("$RB" --version) || exit 1
case $version in
*"implementation under test: ours ("*"fault points: libfiu"*) ;;
*) echo "SKIP: the pin is of the default implementation built with libfiu"; exit 77 ;;
esac

T=$(mktemp "${TMPDIR:-/tmp}/replbench-trace.XXXXXX") || exit 1
trap 'rm -f "$T"' EXIT
cd "$ROOT" || exit 1
"$RB" run -q --trace "$T" scenarios/suites >/dev/null
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: run of the suites exited $rc"; exit 1; }
got=$(sha256sum "$T" | cut -d' ' -f1)
if [ "$got" != "$PINNED" ]; then
    echo "FAIL: the suites' trace text changed: sha256 $got, pinned $PINNED"
    echo "  ($(wc -l <"$T") lines; see the comment at the top to update the pin)"
    exit 1
fi
echo "ok - the suites' trace text is the pinned one ($(wc -l <"$T") lines)"
