#!/bin/bash
# build.sh: builds replbench's libFuzzer harnesses the way ClusterFuzzLite
# (and OSS-Fuzz) expect, from the environment they give; writes only to $WORK
# and $OUT, never to the source tree.  Local use: .clusterfuzzlite/README.md.
#
# Reads: CC, CFLAGS (sanitizers, -fsanitize=fuzzer-no-link), LIB_FUZZING_ENGINE
# (link flag of the engine, e.g. -fsanitize=fuzzer), OUT, SRC, WORK; optional
# FUZZING_ENGINE (libfuzzer, the default, or afl: then CC is afl-clang-fast
# and the harnesses get our persistent-mode driver, fuzz/afl_driver.c, in
# place of $LIB_FUZZING_ENGINE); optional REPLBENCH_FIU (enabled|disabled) to
# override the libfiu choice below.
# Writes to $OUT, per harness H: H, H_seed_corpus.zip, H.options, H.dict
# (where the harness has a dictionary).
set -eu

say() { printf 'build.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

for v in CC CFLAGS LIB_FUZZING_ENGINE OUT SRC WORK; do
    [ -n "${!v+x}" ] || die "\$$v is not set (a fuzzing service sets it; see .clusterfuzzlite/README.md)"
done

TREE="$SRC/replbench"
BUILD="$WORK/build"
HARNESSES="fuzz_registry fuzz_scenario fuzz_cluster"

[ -f "$TREE/meson.build" ] || die "no replbench source tree at $TREE"
command -v meson >/dev/null || die "meson not found"
command -v ninja >/dev/null || die "ninja not found"

# The project needs meson >= 1.0; Ubuntu 20.04 (the base image) ships 0.53.
meson_version=$(meson --version)
case "$meson_version" in
0.*) die "meson $meson_version is too old (need >= 1.0; pip install meson==1.0.1)" ;;
esac

# The max_len libFuzzer gets for each harness: binary op streams stay short,
# scenario text needs room for a few hundred lines.
max_len_of() {
    case "$1" in
    fuzz_scenario) echo 16384 ;;
    *) echo 4096 ;;
    esac
}

# The dictionary in the source tree for each harness ("" when it has none).
dict_source_of() {
    case "$1" in
    fuzz_scenario) echo "$TREE/fuzz/scn.dict" ;;
    *) echo "" ;;
    esac
}

# The engine: ClusterFuzzLite names it in $FUZZING_ENGINE.
ENGINE="${FUZZING_ENGINE:-libfuzzer}"
case "$ENGINE" in
libfuzzer) ENGINE_OPTION="$LIB_FUZZING_ENGINE" ;;
afl) ENGINE_OPTION=afl
     say "AFL++: harnesses linked with fuzz/afl_driver.c (not $LIB_FUZZING_ENGINE)" ;;
*) die "FUZZING_ENGINE=$ENGINE: replbench builds for libfuzzer and afl only" ;;
esac

# libfiu comes from the distribution, uninstrumented: under MemorySanitizer
# every value it returns would look uninitialised, so MSan builds leave the
# fault points out (the harnesses then never see an injected fault).
fiu_default=enabled
case " $CFLAGS " in
*-fsanitize=memory*) fiu_default=disabled ;;
esac
FIU="${REPLBENCH_FIU:-$fiu_default}"
[ "$FIU" = "$fiu_default" ] || say "libfiu: $FIU (REPLBENCH_FIU)"
[ "$FIU" = enabled ] || say "libfiu fault points are left out of this build (-Dfiu=$FIU)"

# The build directory is ours alone: start from scratch so that the current
# CFLAGS (read by meson at setup only) are the ones used.
if [ -e "$BUILD" ]; then
    [ -d "$BUILD/meson-private" ] || die "$BUILD exists and is not a meson build directory; not touching it"
    say "removing the previous build in $BUILD"
    rm -rf "$BUILD"
fi

say "configuring in $BUILD (CC=$CC, CFLAGS=$CFLAGS, engine=$ENGINE: $ENGINE_OPTION)"
# prefer_static: the runner image has no libfiu, so link libfiu.a into the
# harnesses.  b_lundef=false: sanitizer runtimes leave symbols undefined.
meson setup "$BUILD" "$TREE" \
    -Dfuzzing=true \
    -Dfuzz_engine="$ENGINE_OPTION" \
    -Db_lundef=false \
    -Dbuildtype=plain \
    -Dwerror=false \
    -Dprefer_static=true \
    -Dfiu="$FIU" \
    || die "meson setup failed (see $BUILD/meson-logs/meson-log.txt)"

targets=""
for h in $HARNESSES; do
    targets="$targets fuzz/$h"
done
say "building:$targets"
# shellcheck disable=SC2086
ninja -C "$BUILD" $targets || die "ninja failed"

# The runner image (base-runner) has only the C library and the sanitizer
# runtimes: a harness must not need a shared library that only the build
# image has.
check_runtime_libs() {
    local bin=$1 extra
    command -v ldd >/dev/null || return 0
    extra=$(ldd "$bin" 2>/dev/null | grep -E 'libfiu|libcmocka|not found' || true)
    [ -z "$extra" ] || die "$bin needs shared libraries the runner image lacks: $extra"
}

# Zip the top-level files of a corpus directory (libFuzzer corpora are flat),
# with zip when present, else with python3's zipfile.
zip_corpus() {
    local dir=$1 zipfile=$2 n
    n=$(find "$dir" -maxdepth 1 -type f ! -name '.*' | wc -l)
    if [ "$n" -eq 0 ]; then
        say "skipped: $zipfile ($dir has no files)"
        return 0
    fi
    rm -f "$zipfile"
    if command -v zip >/dev/null; then
        find "$dir" -maxdepth 1 -type f ! -name '.*' -print0 \
            | xargs -0 zip -q -j "$zipfile"
    else
        python3 - "$dir" "$zipfile" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if os.path.isfile(path) and not name.startswith("."):
            z.write(path, arcname=name)
PY
    fi
    say "wrote $zipfile ($n inputs)"
}

mkdir -p "$OUT"
for h in $HARNESSES; do
    bin="$BUILD/fuzz/$h"
    [ -x "$bin" ] || die "ninja built no $bin"
    check_runtime_libs "$bin"
    cp "$bin" "$OUT/$h"
    say "wrote $OUT/$h"

    corpus="$TREE/fuzz/corpora/$h"
    if [ -d "$corpus" ]; then
        zip_corpus "$corpus" "$OUT/${h}_seed_corpus.zip"
    else
        say "skipped: $OUT/${h}_seed_corpus.zip (no $corpus)"
    fi

    dict=$(dict_source_of "$h")
    options="[libfuzzer]
max_len = $(max_len_of "$h")"
    if [ -n "$dict" ] && [ -f "$dict" ]; then
        cp "$dict" "$OUT/$h.dict"
        options="$options
dict = $h.dict"
        say "wrote $OUT/$h.dict"
    elif [ -n "$dict" ]; then
        say "skipped: $OUT/$h.dict (no $dict)"
    fi
    # The flags every harness runs with (fuzz/libfuzzer.options; .ci/run too).
    options="$options
$(grep -E '^[a-z_]+ *=' "$TREE/fuzz/libfuzzer.options")"
    printf '%s\n' "$options" > "$OUT/$h.options"
    say "wrote $OUT/$h.options"
done
say "done: $HARNESSES in $OUT"
