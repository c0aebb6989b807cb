#!/bin/sh
# unlisted.sh: run every entry of the suites folder that has no test of its
# own (meson found the folders LISTED... when it configured): a folder added
# since, or a *.scn file at the top.  Its verdict is replbench's: a broken
# scenario there fails `meson test --suite scenarios` at once.
# Usage: sh unlisted.sh REPLBENCH SUITES_DIR LISTED...
set -u
rb=${1:?usage: unlisted.sh REPLBENCH SUITES_DIR LISTED...}
dir=${2:?usage: unlisted.sh REPLBENCH SUITES_DIR LISTED...}
shift 2
listed=" $* "
set --
for path in "$dir"/*; do
    name=${path##*/}
    case $listed in
    *" $name "*) continue ;;
    esac
    if [ -d "$path" ] || [ "${name%.scn}" != "$name" ]; then
        echo "unlisted: $path has no test of its own yet (reconfigure to add it); run here"
        set -- "$@" "$path"
    fi
done
[ $# -eq 0 ] && { echo "unlisted: every suite folder has its own test"; exit 0; }
exec "$rb" run "$@"
