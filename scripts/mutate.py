#!/usr/bin/env python3
"""scripts/mutate.py: mutation testing of C files in a meson project.

Owns the mutation run: worker trees and builds, the object-code filter,
judging each mutant, the report.  The mutants themselves come from
scripts/mutate_c.py; the list of equivalent mutants from
scripts/mutate-equivalents.txt.  Never writes into the source tree: each
worker mutates its own copy under --workdir.  Usage: --help; docs/MUTATION.md.
"""

import argparse
import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

sys.dont_write_bytecode = True         # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import mutate_c  # noqa: E402

USAGE_EXIT, FAIL_EXIT = 2, 1
DEFAULT_SUITES = "unit,scenarios,fuzz"
# What conform judges a registry by (cli/conform.c's default paths).
IMPL_SUITES = ("scenarios/suites/registry", "scenarios/suites/removal",
               "scenarios/suites/errors", "scenarios/suites/faults")
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
    "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=0",
}
# A mutant that needs one of these to compile is a type error, not a mutant.
PROBE_ERRORS = ["-Werror=int-conversion", "-Werror=incompatible-pointer-types",
                "-Werror=return-type", "-Werror=implicit-function-declaration"]


class SetupError(Exception):
    """Configuration, build or baseline trouble: exit 2."""


def say(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- mutants

@dataclass
class Entry:
    """One mutant of one file, and what became of it."""
    id: int
    file: str                   # as the report names it
    m: mutate_c.Mutant
    status: str = "pending"     # nocompile equivalent duplicate killed survived
    detail: str = ""            # killer, duplicate's original, listed reason
    seconds: float = 0.0
    obj: str = ""               # object-code hash

    def where(self):
        return f"{self.file}:{self.m.line}"

    def to_json(self):
        return {"id": self.id, "file": self.file, "line": self.m.line,
                "function": self.m.func, "operator": self.m.op,
                "mutation": self.m.desc, "key": self.m.key,
                "status": self.status, "detail": self.detail}


@dataclass
class Target:
    """A file to mutate: where the report names it, where each worker holds
    its copy (relative to the worker's root), its text."""
    name: str
    rel: str
    text: str
    external: Path | None = None    # an implementation outside the tree


def read_equivalents(path):
    """{(file, key): reason} from the list of equivalent mutants.

    Format: `== FILE` starts a file's section; each entry is one line with
    the mutant's key (as the report prints it), then one or more lines
    starting with `  why:` or continuing it (indented).  `#` lines are
    comments."""
    out, cur_file, cur_key = {}, None, None
    if path is None or not path.exists():
        return out
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.rstrip()
        if not line or line.lstrip().startswith("#"):
            continue
        if line.startswith("== "):
            cur_file, cur_key = line[3:].strip(), None
        elif line.startswith("  why:") and cur_key:
            out[(cur_file, cur_key)] = line[6:].strip()
        elif line.startswith("    ") and cur_key and out.get((cur_file, cur_key)):
            out[(cur_file, cur_key)] += " " + line.strip()
        elif not line.startswith(" ") and cur_file:
            cur_key = line
            out[(cur_file, cur_key)] = ""
        else:
            raise SetupError(f"{path}:{n}: cannot read this line (see docs/MUTATION.md)")
    for (f, k), why in out.items():
        if not why:
            raise SetupError(f"{path}: `{k}` ({f}) has no `  why:` line")
    return out


def sample_order(entries, seed):
    """The entries in an order that depends only on the seed and each
    mutant's identity (never on Python's random module)."""
    def rank(e):
        return hashlib.sha256(f"{seed}\0{e.file}\0{e.m.key}".encode()).hexdigest()
    return sorted(entries, key=rank)


# ---------------------------------------------------------------- judges

@dataclass
class Judge:
    """One way of telling a mutant apart: a meson test (its exit status),
    or a command printing TAP or JUnit (each test point's verdict)."""
    name: str
    cmd: list
    targets: list
    kind: str = "exit"          # exit, tap, junit
    env: dict = field(default_factory=dict)
    cwd: str | None = None
    timeout: float = 300.0
    baseline: object = None
    base_seconds: float = 0.0
    suites: list = field(default_factory=list)


def tap_points(text):
    """{description: passed} of a TAP stream (a SKIP counts as passed)."""
    points = {}
    for line in text.splitlines():
        ok = line.startswith("ok ")
        if not ok and not line.startswith("not ok "):
            continue
        rest = line.split(" ", 2 if ok else 3)[-1]
        desc = rest.split(" - ", 1)[-1].split(" # ")[0].strip()
        points[desc] = ok or "# SKIP" in line.upper()
    return points


def junit_points(text):
    """{classname.name: passed} of a JUnit XML document."""
    points = {}
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return {"<junit output unreadable>": False}
    for tc in root.iter("testcase"):
        name = f"{tc.get('classname', '')}.{tc.get('name', '')}"
        points[name] = tc.find("failure") is None and tc.find("error") is None
    return points


def outcome(judge, rc, out):
    """What the baseline is compared with: pass/fail for a test, the
    verdict of each point for TAP and JUnit."""
    if judge.kind == "exit":
        return rc in (0, 77)
    points = tap_points(out) if judge.kind == "tap" else junit_points(out)
    return {"rc_ok": rc in (0, 1), "points": points}


def difference(base, got):
    """Why `got` differs from the baseline, or None."""
    if isinstance(base, bool):
        return None if base == got else ("passes" if got else "fails")
    if got["rc_ok"] != base["rc_ok"]:
        return "crashed or exited 2"
    for name, ok in sorted(base["points"].items()):
        if name not in got["points"]:
            return f"{name}: missing"
        if got["points"][name] != ok:
            return f"{name}: {'passes' if got['points'][name] else 'fails'}"
    extra = sorted(set(got["points"]) - set(base["points"]))
    return f"{extra[0]}: new test point" if extra else None


# ---------------------------------------------------------------- workers

STOP = threading.Event()        # set by SIGINT/SIGTERM: every worker stops


class Interrupted(Exception):
    """The run was asked to stop."""


def run_quiet(cmd, cwd=None, env=None, timeout=None):
    """Run cmd in its own process group; (returncode, output), returncode
    None when it ran past `timeout` (the group is then killed).  Raises
    Interrupted, the group killed, when the run is asked to stop."""
    deadline = None if timeout is None else time.monotonic() + timeout
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        rc = None
        try:
            while rc is None and not STOP.is_set():
                left = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
                if left <= 0:
                    break
                try:
                    rc = p.wait(timeout=left)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            if rc is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if STOP.is_set() and rc is None:
            raise Interrupted()
        out.seek(0)
        return rc, out.read().decode(errors="replace")


def source_files(root):
    """Every file of the project a build can read: git's tracked and
    untracked-but-not-ignored files, or a walk that skips build folders."""
    if (root / ".git").exists():
        rc, out = run_quiet(["git", "-C", str(root), "ls-files", "-z", "-co", "--exclude-standard"])
        if rc == 0:
            return sorted(f for f in out.split("\0") if f and (root / f).is_file())
    files = []
    for d, dirs, names in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith(("build", ".")))
        files += [os.path.relpath(os.path.join(d, n), root) for n in names]
    return sorted(files)


def sync_file(src, dst):
    """Copy src over dst when their contents differ.  The copy gets the
    current time: ninja then rebuilds from it even where a mutant was
    compiled after the original's own timestamp."""
    data = src.read_bytes()
    if dst.exists() and dst.read_bytes() == data:
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    write_now(dst, data)
    return True


_clock = threading.Lock()
_last_ns = [0]


def write_now(path, data):
    """Write data to path with a modification time later than any written
    before by this run (ninja compares times, not contents)."""
    path.write_bytes(data)
    with _clock:
        ns = max(time.time_ns(), _last_ns[0] + 1_000_000)
        _last_ns[0] = ns
    os.utime(path, ns=(ns, ns))


class Worker:
    """A copy of the source tree and a build of it, reused between runs."""

    def __init__(self, cfg, index):
        self.cfg = cfg
        self.index = index
        self.dir = cfg.workdir / f"w{index}"
        self.src = self.dir / "src"
        self.build = self.dir / "build"
        self.current = None         # the target whose file holds a mutant
        self.judges = []

    def path_of(self, target):
        return self.dir / target.rel

    def prepare(self, files, targets):
        self.src.mkdir(parents=True, exist_ok=True)
        root = self.cfg.root
        for f in files:
            sync_file(root / f, self.src / f)
        keep = set(files)
        for p in sorted(self.src.rglob("*")):
            rel = p.relative_to(self.src).as_posix()
            if p.is_file() and rel not in keep:
                p.unlink()
        for t in targets:
            if t.external is not None:
                self.mirror(t)
        self.setup()

    def mirror(self, target):
        """The implementation's folder as the build sees it: the file itself
        copied (its mutants are written there), everything beside it a
        symbolic link, so that its own headers are found exactly as in
        place, and the user's folder is never written."""
        src_dir, dst_dir = target.external.parent, self.path_of(target).parent
        dst_dir.mkdir(parents=True, exist_ok=True)
        names = {p.name for p in src_dir.iterdir()}
        for p in dst_dir.iterdir():
            if p.name not in names or (p.name != target.external.name and not p.is_symlink()):
                p.unlink() if p.is_symlink() or p.is_file() else shutil.rmtree(p)
        for name in sorted(names):
            dst = dst_dir / name
            if name == target.external.name:
                sync_file(src_dir / name, dst)
            elif not dst.is_symlink():
                dst.symlink_to(src_dir / name)

    def setup(self):
        args = self.cfg.setup_args(self)
        stamp = self.dir / "setup.json"
        want = json.dumps({"args": args, "cc": self.cfg.cc}, sort_keys=True)
        if (self.build / "build.ninja").exists() and stamp.exists() and stamp.read_text() == want:
            # Reconfigure if a meson.build changed: the tests may have too.
            rc, out = run_quiet(["ninja", "-C", str(self.build), "build.ninja"])
            if rc != 0:
                raise SetupError(f"meson could not regenerate worker {self.index}:\n{out[-3000:]}")
            return
        shutil.rmtree(self.build, ignore_errors=True)
        env = dict(os.environ, CC=self.cfg.cc)
        rc, out = run_quiet(["meson", "setup", str(self.build), str(self.src)] + args, env=env)
        if rc != 0:
            raise SetupError(f"meson setup of worker {self.index} failed:\n{out[-3000:]}")
        stamp.write_text(want)

    def ninja(self, targets, timeout=None):
        cmd = ["ninja", "-C", str(self.build), f"-j{self.cfg.build_jobs}"] + targets
        return run_quiet(cmd, timeout=timeout)

    def load_judges(self):
        self.judges = self.cfg.make_judges(self)

    def restore(self):
        if self.current is not None:
            write_now(self.path_of(self.current), self.current.text.encode())
            self.current = None

    def put(self, target, text):
        if self.current is not None and self.current is not target:
            self.restore()
        write_now(self.path_of(target), text.encode())
        self.current = target

    # -- the object-code filter

    def compile_command(self, target):
        db = json.loads((self.build / "compile_commands.json").read_text())
        want = self.path_of(target).resolve()
        for e in db:
            f = Path(e["file"])
            f = f if f.is_absolute() else Path(e["directory"]) / f
            if f.resolve() == want:
                return e
        raise SetupError(f"{target.name}: not compiled by the build (no compile command)")

    def probe_command(self, target, out):
        e = self.compile_command(target)
        args = shlex.split(e["command"]) if "command" in e else list(e["arguments"])
        cmd, skip = [], False
        for a in args:
            if skip:
                skip = False
            elif a in ("-o", "-MQ", "-MF", "-MT"):
                skip = True
            elif a in ("-MD", "-MMD") or a.startswith(("-fsanitize", "-fno-sanitize", "-g")):
                continue
            else:
                cmd.append(a)
        cmd += ["-g0", f"-ffile-prefix-map={self.dir}=/mutate"] + PROBE_ERRORS + ["-o", str(out)]
        return cmd, e["directory"]

    def probe(self, target, text):
        """The object code of `text` compiled as target's translation unit
        (sanitizers and debug info off): its hash, or None when it does not
        compile."""
        self.put(target, text)
        out = self.dir / "probe.o"
        cmd, cwd = self.probe_command(target, out)
        rc, log = run_quiet(cmd, cwd=cwd, timeout=120)
        if rc != 0:
            return None
        return hashlib.sha256(out.read_bytes()).hexdigest()

    # -- judging

    def run_judge(self, j, limit):
        env = dict(os.environ)
        env.update(SANITIZER_ENV)
        env.update(j.env)
        t0 = time.monotonic()
        rc, out = run_quiet(j.cmd, cwd=j.cwd or str(self.build), env=env, timeout=limit)
        return rc, out, time.monotonic() - t0

    def baseline(self):
        """Build every judge and run it on the original: what each says is
        what a mutant must change to be killed."""
        self.restore()
        for j in self.judges:
            rc, out = self.ninja(j.targets)
            if rc != 0:
                raise SetupError(f"worker {self.index}: building {j.name} failed:\n{out[-3000:]}")
            rc, out, secs = self.run_judge(j, j.timeout)
            if rc is None:
                raise SetupError(f"{j.name} timed out on the original code ({j.timeout:.0f} s)")
            j.baseline, j.base_seconds = outcome(j, rc, out), secs
        failing = [j.name for j in self.judges if j.kind == "exit" and not j.baseline]
        if failing:
            self.expected_failures(failing)

    def expected_failures(self, names):
        """Tests that fail on the original must be meson's should_fail ones
        (EXPECTEDFAIL): a test failing for real judges nothing."""
        logdir = self.dir / "baseline-log"
        shutil.rmtree(logdir, ignore_errors=True)
        env = dict(os.environ)
        env.update(SANITIZER_ENV)
        run_quiet(["meson", "test", "-C", str(self.build), "--no-rebuild", "--logbase",
                   "baseline"] + names, env=env)
        log = self.build / "meson-logs" / "baseline.json"
        results = {}
        if log.exists():
            for line in log.read_text().splitlines():
                if line.strip():
                    r = json.loads(line)
                    results[r["name"].split(" / ", 1)[-1]] = r["result"]
        bad = [n for n in names if results.get(n) != "EXPECTEDFAIL"]
        if bad:
            raise SetupError(f"{bad[0]} fails on the original code ({results.get(bad[0], 'no result')}): "
                             f"fix it or leave it out (--tests/--suites)")

    def judge(self, entry, target, deadline_s):
        """Killed or survived: the first judge whose verdict differs from
        the original's kills the mutant.  Judges are built one at a time,
        so a mutant the first judge kills relinks nothing else; the judge
        that killed the last mutant goes first (neighbouring mutants tend
        to fall to the same test).  Which judge is named as the killer may
        therefore depend on the order mutants reach this worker; whether a
        mutant is killed does not."""
        self.put(target, entry.m.apply(target.text))
        t0 = time.monotonic()
        for j in list(self.judges):
            left = deadline_s - (time.monotonic() - t0)
            if left <= 0:
                return "killed", "time limit of the mutant reached"
            rc, out = self.ninja(j.targets, timeout=max(left, 1))
            if rc != 0:
                return "nocompile", "the build failed: " + last_error(out)
            limit = min(j.timeout, max(self.cfg.min_limit, self.cfg.limit_factor * j.base_seconds), left)
            rc, out, _ = self.run_judge(j, limit)
            if rc is None:
                return "killed", f"{j.name}: timed out after {limit:.0f} s"
            why = difference(j.baseline, outcome(j, rc, out))
            if why is not None:
                self.judges.remove(j)
                self.judges.insert(0, j)
                return "killed", f"{j.name}: {why}"
        return "survived", ""


def last_error(out):
    lines = [x for x in out.splitlines() if "error" in x]
    return lines[0][:200] if lines else out.strip().splitlines()[-1][:200] if out.strip() else "?"


# ---------------------------------------------------------------- the run

class Config:
    """What the command line chose, and what follows from it."""

    def __init__(self, a):
        self.a = a
        self.root = Path(a.source).resolve()
        # An implementation's builds are configured otherwise: kept apart,
        # so that neither kind of run rebuilds the other's from scratch.
        default = "build-mutate-impl" if a.impl else "build-mutate"
        self.workdir = Path(a.workdir).resolve() if a.workdir else self.root / default
        self.cc = a.cc
        self.jobs = a.jobs
        self.build_jobs = max(1, (os.cpu_count() or 2) // a.jobs)
        self.min_limit = a.min_limit
        self.limit_factor = a.limit_factor
        self.impl = Path(a.impl).resolve() if a.impl else None

    def setup_args(self, worker):
        args = ["-Dwerror=false", "--buildtype=debugoptimized"]
        if self.a.sanitize != "none":
            args += [f"-Db_sanitize={self.a.sanitize}", "-Db_lundef=false"]
        if self.impl is not None:
            args += [f"-Dregistry_impl={worker.dir / 'impl' / self.impl.name}",
                     f"-Dregistry_api={self.a.api}"]
        return args + list(self.a.setup_arg)

    def make_judges(self, worker):
        info = worker.build / "meson-info"
        targets = {t["id"]: t for t in json.loads((info / "intro-targets.json").read_text())}
        judges = []
        for spec in self.a.command:
            kind, target, cmd = parse_command(spec)
            judges.append(Judge(f"command {len(judges) + 1}",
                                [c.replace("{build}", str(worker.build)).replace("{source}", str(worker.src))
                                 for c in shlex.split(cmd)],
                                [target] if target else [], kind=kind, cwd=str(worker.src),
                                timeout=self.a.timeout))
        if self.a.command and not self.a.suites_given and not self.a.tests:
            return judges
        return self.meson_tests(info, targets, worker) + judges

    def meson_tests(self, info, targets, worker):
        suites = [s for s in self.a.suites.split(",") if s]
        names = [t for t in self.a.tests.split(",") if t] if self.a.tests else []
        out = []
        for t in json.loads((info / "intro-tests.json").read_text()):
            short = {s.split(":", 1)[-1] for s in t["suite"]}
            if (names and t["name"] not in names) or (not names and not short & set(suites)):
                continue
            files = [f for d in t["depends"] if d in targets for f in targets[d]["filename"]]
            out.append(Judge(t["name"], t["cmd"], [os.path.relpath(f, worker.build) for f in files],
                             env=t.get("env") or {}, cwd=t.get("workdir"),
                             timeout=min(t.get("timeout") or self.a.timeout, self.a.timeout),
                             suites=sorted(short)))
        if names:
            out.sort(key=lambda j: names.index(j.name))
        else:           # suites in the order given, meson's order within one
            out.sort(key=lambda j: min(suites.index(s) for s in j.suites if s in suites))
        if not out:
            raise SetupError("no meson test is selected (--suites/--tests)")
        return out


def parse_command(spec):
    """`[tap|junit|exit:][TARGET::]CMD` -> (kind, ninja target, command)."""
    kind = "exit"
    for k in ("tap", "junit", "exit"):
        if spec.startswith(k + ":") and not spec.startswith(k + "::"):
            kind, spec = k, spec[len(k) + 1:]
    target = ""
    if "::" in spec:
        target, spec = spec.split("::", 1)
    return kind, target, spec


def load_targets(cfg):
    out = []
    for f in cfg.a.files:
        p = Path(f)
        if cfg.impl is not None and p.resolve() == cfg.impl:
            out.append(Target(str(p), f"impl/{cfg.impl.name}", cfg.impl.read_text(), cfg.impl))
            continue
        p = (p if p.is_absolute() else Path.cwd() / p).resolve()
        try:
            rel = p.relative_to(cfg.root).as_posix()
        except ValueError:
            raise SetupError(f"{f}: not inside {cfg.root} (for an implementation outside it: --impl)")
        if not p.is_file():
            raise SetupError(f"{f}: no such file")
        out.append(Target(rel, f"src/{rel}", p.read_text()))
    if cfg.impl is not None and not any(t.external for t in out):
        out.append(Target(str(cfg.a.impl), f"impl/{cfg.impl.name}", cfg.impl.read_text(), cfg.impl))
    return out


def make_entries(targets, operators):
    entries = []
    for t in targets:
        try:
            ms = mutate_c.mutants_of(t.text, operators)
        except mutate_c.CSyntaxError as e:
            raise SetupError(f"{t.name}: {e}")
        for m in ms:
            entries.append(Entry(len(entries) + 1, t.name, m))
    return entries


class Run:
    def __init__(self, cfg, targets, entries, equivalents):
        self.cfg = cfg
        self.targets = {t.name: t for t in targets}
        self.entries = entries
        self.equivalents = equivalents
        self.workers = [Worker(cfg, i) for i in range(cfg.jobs)]
        self.lock = threading.Lock()
        self.done = 0
        self.timing = {}
        self.originals = {}

    def parallel(self, items, fn):
        """fn(worker, item) over items, each worker taking the next item."""
        it = iter(items)
        errors = []

        def loop(w):
            while not errors and not STOP.is_set():
                with self.lock:
                    item = next(it, None)
                if item is None:
                    return
                try:
                    fn(w, item)
                except BaseException as e:      # noqa: B902 - handed to the caller
                    errors.append(e)
        threads = [threading.Thread(target=loop, args=(w,)) for w in self.workers]
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.2)
        if STOP.is_set():
            raise Interrupted()
        if errors:
            raise errors[0]

    def prepare(self):
        t0 = time.monotonic()
        files = source_files(self.cfg.root)
        self.parallel(self.workers, lambda w, w2: w2.prepare(files, self.targets.values()))
        for w in self.workers:
            w.load_judges()
        say(f"mutate: {len(self.workers)} worker build(s) under {self.cfg.workdir}; "
            f"judges: {', '.join(j.name for j in self.workers[0].judges)}")

        def base(w, w2):
            if w2.index == 0:
                w2.baseline()
            else:
                for j in w2.judges:
                    rc, out = w2.ninja(j.targets)
                    if rc != 0:
                        raise SetupError(f"worker {w2.index}: building {j.name} failed:\n{out[-3000:]}")
        self.parallel(self.workers, base)
        for w in self.workers[1:]:
            for j, j0 in zip(w.judges, self.workers[0].judges):
                assert j.name == j0.name
                j.baseline, j.base_seconds = j0.baseline, j0.base_seconds
        self.timing["prepare"] = time.monotonic() - t0
        say(f"mutate: builds and baseline in {self.timing['prepare']:.0f} s "
            f"(judges {sum(j.base_seconds for j in self.workers[0].judges):.1f} s on the original)")

    def probe(self, entries):
        """Object code of each entry: no compile, equivalent, duplicate."""
        originals = self.originals

        def orig(w, t):
            originals[t.name] = w.probe(t, t.text)
            if originals[t.name] is None:
                raise SetupError(f"{t.name}: the original does not compile in the probe build")
        if not originals:
            self.parallel(list(self.targets.values()), orig)

        count = [0]

        def one(w, e):
            e.obj = w.probe(self.targets[e.file], e.m.apply(self.targets[e.file].text)) or ""
            with self.lock:
                count[0] += 1
                if count[0] % 100 == 0 or count[0] == len(entries):
                    say(f"mutate: compiled {count[0]} of {len(entries)} mutants")
        self.parallel(entries, one)
        seen = {}
        for e in entries:               # in id order: the first is the original
            if not e.obj:
                e.status = "nocompile"
            elif e.obj == originals[e.file]:
                e.status, e.detail = "equivalent", "same object code as the original"
            elif (e.file, e.obj) in seen:
                e.status, e.detail = "duplicate", f"same object code as #{seen[(e.file, e.obj)]}"
            else:
                seen[(e.file, e.obj)] = e.id
        for w in self.workers:
            w.restore()

    def judge(self, entries):
        t0 = time.monotonic()
        todo = [e for e in entries if e.status == "pending"]

        def one(w, e):
            s0 = time.monotonic()
            e.status, e.detail = w.judge(e, self.targets[e.file], self.cfg.a.timeout)
            e.seconds = time.monotonic() - s0
            with self.lock:
                self.done += 1
                say(f"[{self.done}/{len(todo)}] {e.status:9} #{e.id} {e.where()} "
                    f"[{e.m.op}] {e.m.desc} ({e.seconds:.1f} s{', ' + e.detail if e.detail else ''})")
        try:
            self.parallel(todo, one)
        finally:
            for w in self.workers:
                w.restore()
        self.timing["judge"] = time.monotonic() - t0
        self.timing["judged"] = len(todo)


def read_keys(path):
    """{(file, key)} from a file of `FILE<TAB>KEY` lines (--keys)."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as e:
        raise SetupError(f"{path}: {e.strerror}")
    out = set()
    for n, line in enumerate(lines, 1):
        if line.strip():
            if "\t" not in line:
                raise SetupError(f"{path}:{n}: not FILE<TAB>KEY")
            out.add(tuple(line.split("\t", 1)))
    return out


def select(run, cfg):
    """The entries this run judges: all (or those --keys names), or a
    sample of N valid ones: the first N in the seed's order that compile,
    are not equivalent and are not duplicates of one chosen before.
    Listed equivalents are not judged unless --check-listed."""
    t0 = time.monotonic()
    entries = run.entries
    if cfg.a.keys:
        keep = read_keys(cfg.a.keys)
        entries = [e for e in entries if (e.file, e.m.key) in keep]
    if cfg.a.sample is None:
        run.probe(entries)
        if not cfg.a.check_listed:
            for e in entries:
                why = run.equivalents.get((e.file, e.m.key))
                if why is not None and e.status == "pending":
                    e.status, e.detail = "equivalent", why
        run.timing["probe"] = time.monotonic() - t0
        return entries
    pool = [e for e in sample_order(entries, cfg.a.seed)
            if (e.file, e.m.key) not in run.equivalents]
    chosen, seen = [], set()
    while pool and len(chosen) < cfg.a.sample:
        k = 2 * (cfg.a.sample - len(chosen)) + 2
        batch, pool = pool[:k], pool[k:]
        run.probe(batch)
        for e in batch:
            if e.status == "pending" and len(chosen) < cfg.a.sample and (e.file, e.obj) not in seen:
                seen.add((e.file, e.obj))
                chosen.append(e)
    run.timing["probe"] = time.monotonic() - t0
    return sorted(chosen, key=lambda e: e.id)


def apply_list(judged, entries, equivalents, stale):
    """Survivors the list explains are equivalent; a listed mutant that was
    killed is a problem, and so (when `stale`) is a listing that matches
    none of `entries`, the file's mutants."""
    problems = []
    for e in judged:
        why = equivalents.get((e.file, e.m.key))
        if why is None:
            continue
        if e.status == "survived":
            e.status, e.detail = "equivalent", why
        elif e.status == "killed":
            problems.append(f"listed as equivalent but killed: {e.where()}: {e.m.key} ({e.detail})")
    keys = {(e.file, e.m.key) for e in entries}
    files = {e.file for e in entries}
    for (f, k) in sorted(equivalents):
        if stale and f in files and (f, k) not in keys:
            problems.append(f"listed as equivalent, no such mutant: {f}: {k}")
    return problems


def report(entries, judged, problems, sample):
    """The report (deterministic: no time in it)."""
    lines = []
    by_file = {}
    for e in judged:
        by_file.setdefault(e.file, []).append(e)
    total = {"killed": 0, "survived": 0}
    for f, es in by_file.items():
        n = {s: sum(1 for e in es if e.status == s)
             for s in ("killed", "survived", "equivalent", "duplicate", "nocompile")}
        total["killed"] += n["killed"]
        total["survived"] += n["survived"]
        all_of_file = sum(1 for e in entries if e.file == f)
        lines.append(f"{f}: {all_of_file} mutants{' (sample of ' + str(len(es)) + ')' if sample else ''}: "
                     f"{n['killed']} killed, {n['survived']} survived, {n['equivalent']} equivalent, "
                     f"{n['duplicate']} duplicate, {n['nocompile']} not compiling; "
                     f"score {score(n['killed'], n['survived'])}")
    lines.append(f"total: {total['killed']} killed, {total['survived']} survived; "
                 f"score {score(total['killed'], total['survived'])}")
    for title, pick in (("survived", lambda e: e.status == "survived"),
                        ("equivalent (listed)", lambda e: e.status == "equivalent" and not e.detail.startswith("same object")),
                        ("equivalent (same object code)", lambda e: e.status == "equivalent" and e.detail.startswith("same object"))):
        es = [e for e in judged if pick(e)]
        if es:
            lines.append(f"{title}:")
            for e in es:
                lines.append(f"  {e.where()}: [{e.m.op}] {e.m.key}")
                if title == "equivalent (listed)":
                    lines.append(f"      why: {e.detail}")
    for p in problems:
        lines.append(f"problem: {p}")
    return "\n".join(lines) + "\n"


def score(killed, survived):
    if killed + survived == 0:
        return "n/a"
    return f"{100.0 * killed / (killed + survived):.1f}% ({killed}/{killed + survived})"


def parse_args(argv):
    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(
        prog="scripts/mutate.py",
        description="Mutation testing of C files: first-order mutants, equivalent and "
                    "duplicate ones filtered by object code, each other one built (ASan+UBSan "
                    "by default) in a worker's copy of the tree and judged by meson tests or "
                    "commands.  Report on stdout; progress and timings on stderr.  "
                    "Details: docs/MUTATION.md.",
        epilog="exit status: 0 no mutant survived (beyond --min-score), 1 survivors or a "
               "problem with the list of equivalents, 2 usage, build or baseline error.")
    p.add_argument("files", nargs="*", metavar="FILE", help="C files to mutate (in the tree, or --impl)")
    p.add_argument("--list", action="store_true", help="print the mutants and exit (no build)")
    p.add_argument("--suites", default=None, help=f"meson suites that judge (default {DEFAULT_SUITES})")
    p.add_argument("--tests", default="", help="only these meson tests, in this order (comma-separated)")
    p.add_argument("--command", action="append", default=[], metavar="[KIND:][TARGET::]CMD",
                   help="also judge by CMD (KIND exit, tap or junit: compared point by point "
                        "with the original's); {build} and {source} are the worker's folders; "
                        "TARGET is the ninja target it needs")
    p.add_argument("--impl", metavar="FILE", help="an implementation of the replication API "
                   "(-Dregistry_impl): mutate it, judged by the registry-rule suites")
    p.add_argument("--api", default="instances", choices=("instances", "global"),
                   help="with --impl: -Dregistry_api (default instances)")
    p.add_argument("--operators", default=",".join(mutate_c.OPERATORS),
                   help="mutation operators (default all: %(default)s)")
    p.add_argument("--sample", type=int, metavar="N", help="judge only N mutants chosen by --seed")
    p.add_argument("--seed", default="0", help="the sample's seed (any text, e.g. a commit)")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="workers (default 2)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per mutant (default 600)")
    p.add_argument("--limit-factor", type=float, default=5.0,
                   help="a judge times out at this many times its time on the original "
                        "(default 5), but never before --min-limit")
    p.add_argument("--min-limit", type=float, default=10.0,
                   help="seconds a judge may always take on a mutant (default 10)")
    p.add_argument("--cc", default=os.environ.get("CC", "clang"), help="compiler (default $CC or clang)")
    p.add_argument("--sanitize", default="address,undefined", help="-Db_sanitize (none: off)")
    p.add_argument("--setup-arg", action="append", default=[], help="extra meson setup argument")
    p.add_argument("--source", default=str(here.parent), help="project root (default this script's)")
    p.add_argument("--workdir", help="worker trees and builds (default SOURCE/build-mutate, "
                   "with --impl SOURCE/build-mutate-impl)")
    p.add_argument("--equivalents", help="the list of equivalent mutants "
                   "(default SOURCE/scripts/mutate-equivalents.txt)")
    p.add_argument("--check-listed", action="store_true",
                   help="judge the listed equivalent mutants too (a killed one is a problem)")
    p.add_argument("--check-list", action="store_true",
                   help="only check that every listed equivalent of the FILEs is one of their "
                        "mutants today (no build); exit 1 naming each stale listing")
    p.add_argument("--keys", metavar="FILE", help="judge only the mutants named in FILE "
                   "(FILE<TAB>KEY lines, as --json gives them)")
    p.add_argument("--json", metavar="FILE", help="also write every mutant and its status to FILE")
    p.add_argument("--min-score", type=float, default=100.0, help="exit 0 at this score or above (default 100)")
    p.add_argument("--show-killed", action="store_true",
                   help="also list killed mutants and a test that killed each (on stderr)")
    a = p.parse_args(argv)
    a.suites_given = a.suites is not None
    if a.suites is None:
        a.suites = DEFAULT_SUITES
    if a.impl and not a.command and not a.suites_given and not a.tests:
        a.command = [f"tap:cli/replbench::{{build}}/cli/replbench run --format tap --jobs 2 "
                     + " ".join(IMPL_SUITES),
                     "junit:cli/replbench::{build}/cli/replbench conform --jobs 2 --format junit"]
    if not a.files and not a.impl:
        p.error("no FILE to mutate")
    if a.jobs < 1 or (a.sample is not None and a.sample < 1):
        p.error("--jobs and --sample take a positive number")
    ops = [o for o in a.operators.split(",") if o]
    bad = [o for o in ops if o not in mutate_c.OPERATORS]
    if bad:
        p.error(f"unknown operator {bad[0]} (known: {', '.join(mutate_c.OPERATORS)})")
    a.operators = ops
    return a


def list_mutants(entries):
    for e in entries:
        print(f"#{e.id} {e.where()}: [{e.m.op}] {e.m.key}")


def main(argv):
    a = parse_args(argv)
    cfg = Config(a)
    run = None
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: STOP.set())
    try:
        targets = load_targets(cfg)
        entries = make_entries(targets, a.operators)
        if a.list:
            list_mutants(entries)
            return 0
        eq_path = Path(a.equivalents) if a.equivalents else cfg.root / "scripts" / "mutate-equivalents.txt"
        equivalents = read_equivalents(eq_path)
        if a.check_list:
            stale = apply_list([], entries, equivalents, stale=True)
            for p in stale:
                print(f"problem: {p}")
            say(f"mutate: {len(equivalents)} listed equivalent(s), {len(stale)} stale")
            return 1 if stale else 0
        run = Run(cfg, targets, entries, equivalents)
        t0 = time.monotonic()
        run.prepare()
        judged = select(run, cfg)
        run.judge(judged)
    except SetupError as e:
        say(f"mutate: {e}")
        return USAGE_EXIT
    except Interrupted:
        for w in run.workers if run else []:
            w.restore()
        say("mutate: interrupted: nothing reported")
        return 130
    problems = apply_list(judged, entries, equivalents, stale=a.sample is None)
    sys.stdout.write(report(entries, judged, problems, a.sample is not None))
    if a.show_killed:
        for e in judged:
            if e.status == "killed":
                say(f"killed {e.where()}: [{e.m.op}] {e.m.key}: {e.detail}")
    if a.json:
        Path(a.json).write_text(json.dumps([e.to_json() for e in judged], indent=1) + "\n")
    t = run.timing
    minutes = max(t["judge"], 1e-9) / 60
    say(f"mutate: {t['judged']} mutants judged in {t['judge']:.0f} s "
        f"({t['judged'] / minutes:.1f} mutants/min, {a.jobs} workers); "
        f"probes {t.get('probe', 0):.0f} s; setup {t['prepare']:.0f} s; "
        f"total {time.monotonic() - t0:.0f} s")
    killed = sum(1 for e in judged if e.status == "killed")
    survived = sum(1 for e in judged if e.status == "survived")
    ok = killed + survived == 0 or 100.0 * killed / (killed + survived) >= a.min_score
    return 0 if ok and not problems else FAIL_EXIT


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
