#!/usr/bin/env python3
"""call-circles.py [--quiet] OBJECT_OR_ARCHIVE...: the call circles between
source files, from the symbols their objects define and use (nm).

File A uses file B when A's object uses a function or object that B's
defines.  A circle is a group of two or more files each of which reaches
the others through such uses (a strongly connected component): no file of
it can be read, tested or replaced without the rest.  Prints each circle
(its files, and the uses that close it); exits 0 when there is none, 1
when there is one, 2 on bad usage or when nm fails.

Objects are named by their source file and its folder: a member of an
archive by the archive's folder and its member name
("scenarios/libscn.a:parse.c.o" is scenarios/parse.c); an object by its
target's folder ("cli/replbench.p/util.c.o" is cli/util.c), so that
cli/util.c and reports/util.c stay two files.  A folder argument stands for
every object in it (a target's private folder, "cli/replbench.p").  Symbols
no given object defines (libc, libfiu, ...) are left out.
"""
import os
import subprocess
import sys


def label(where):
    """The source file an nm -A location stands for: folder/file.c."""
    path, _, member = where.partition(':')
    folder = os.path.dirname(path)
    if os.path.basename(folder).endswith('.p'):
        folder = os.path.dirname(folder)
    obj = os.path.basename(member or path)     # a thin archive's members are paths
    if obj.endswith('.o'):
        obj = obj[:-2]
    return os.path.basename(folder) + '/' + obj if folder else obj


def expand(paths):
    """Every object of a folder argument, sorted; files as they are."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith('.o'))
        else:
            out.append(p)
    return out


def symbols(paths):
    """{object: (defined set, used set)} for every object in paths."""
    out = subprocess.run(['nm', '-A', '--defined-only', *paths], capture_output=True,
                         text=True)
    und = subprocess.run(['nm', '-A', '--undefined-only', *paths], capture_output=True,
                         text=True)
    if out.returncode != 0 or und.returncode != 0:
        sys.stderr.write(out.stderr + und.stderr)
        sys.exit(2)
    objs = {}
    for text, kind in ((out.stdout, 0), (und.stdout, 1)):
        for line in text.splitlines():
            where, _, rest = line.rpartition(':')
            fields = rest.split()
            if len(fields) < 2:
                continue
            letter, name = fields[-2], fields[-1]
            obj = label(where)      # "lib.a:member.o" or "x.o"
            entry = objs.setdefault(obj, (set(), set()))
            if kind == 1:
                entry[1].add(name)
            elif letter.isupper():      # global: a static cannot be used elsewhere
                entry[0].add(name)
    return objs


def graph(objs):
    owner = {}
    for obj, (defined, _) in objs.items():
        for name in defined:
            owner.setdefault(name, obj)
    edges = {obj: {} for obj in objs}
    for obj, (_, used) in objs.items():
        for name in sorted(used):
            to = owner.get(name)
            if to is not None and to != obj:
                edges[obj].setdefault(to, []).append(name)
    return edges


def circles(edges):
    """Tarjan's strongly connected components of two or more nodes."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main(argv):
    quiet = '--quiet' in argv
    paths = [a for a in argv if a != '--quiet']
    if not paths or any(a.startswith('-') for a in paths):
        sys.stderr.write(__doc__)
        return 2
    paths = expand(paths)
    if not paths:
        sys.stderr.write('call-circles.py: no object given\n')
        return 2
    edges = graph(symbols(paths))
    found = circles(edges)
    for comp in found:
        print('circle: ' + ' <-> '.join(comp))
        for a in comp:
            for b in comp:
                if b in edges[a]:
                    names = edges[a][b]
                    more = ' ...' if len(names) > 4 else ''
                    print(f'  {a} uses {b}: {", ".join(names[:4])}{more}')
    if not quiet and not found:
        print(f'no call circle between the {len(edges)} files')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
