#!/usr/bin/env python3
"""doc_commands.py: every shell command shown in README.md and docs/*.md works.

Blocks fenced as `sh` (or bash, shell) are commands; a fence without a
language is text (output, a scenario) and is not read.
  ```sh        each command runs, in document order, in a scratch folder
               that holds a copy of the source tree (made once: nothing is
               written to the source) and the build under test as build/ (and the
               canary replbench of that build as build-canary/cli/replbench).
               A command must exit 0, or the status its comment names:
               `cmd   # exit 1: why`.
  ```sh check  checked, not run (other builds, installs, long runs).
Every command of both kinds is checked: a program given by path is a file of
the repository (executable) or one the build makes (build*/X is X of the
build under test); a repository script's options appear in its --help; a
replbench command and its options in `replbench COMMAND --help`; meson's
-Dname= options in meson_options.txt (or meson's own); --suite names a suite
of the build; any other program is on PATH; words that name files of the
source tree exist.  Every relative link of the files leads to a file, and a
#anchor to one of its headings.  Problems are printed as FILE:LINE: what;
exit 1 when there are, 2 on bad arguments.

--self-test feeds the checker broken pages and fails unless each breakage
is reported (and a sound page passes).

Usage: doc_commands.py [--self-test] SOURCE_ROOT BUILD_ROOT [FILE.md...]
  (default files: README.md and docs/*.md of SOURCE_ROOT)
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_ci import Checker, commands, without_heredocs  # noqa: E402

SHELL_LANGS = {'sh', 'bash', 'shell'}
FENCE = re.compile(r'^(```+|~~~+)\s*([^\s`]*)\s*(.*?)\s*$')
EXIT = re.compile(r'(?:^|\s)#\s*exit (\d+)\b')
HEREDOC = re.compile(r'<<-?\s*[\'"]?(\w+)[\'"]?')
LINK = re.compile(r'!?\[[^\]]*\]\(([^)\s]+)\)')
INLINE_RB = re.compile(r'`(?:build[^/\s`]*/cli/)?replbench ([a-z0-9]+(?: [^`]*)?)`')
BUILTINS = {'export', 'cd', 'echo', 'printf', 'test', '[', 'set', 'true', 'false', 'read',
            'unset', ':'}
KEYWORDS_SKIP = {'for', 'done', 'fi', 'esac', 'while', 'until', '{', '}'}
KEYWORDS_STRIP = {'do', 'then', 'else', '!'}
PREFIX_PROGRAMS = {'nice', 'env', 'time', 'sudo'}
INTERPRETERS = {'sh', 'bash', 'python3'}
MESON_BUILTIN = re.compile(
    r'^(b_\w+|buildtype|prefix|libdir|bindir|includedir|datadir|werror|warning_level|'
    r'default_library|optimization|debug|c_std|c_args|c_link_args|wrap_mode|backend)$')
# Never run by the test (builds, installs, the test suites themselves): a
# block that has one must be marked `sh check`.
NOT_RUN = re.compile(r'^(meson (setup|configure|install|compile|test)|ninja|afl-fuzz|bash \.ci/run'
                     r'|\./(test|run)\.sh|.*/fuzz-long\.sh|.*/mutate[^ ]*|.*/bench-compare\.sh'
                     r'|.*/coverage\.sh|.*/ci-shard\.sh|.*/ci-merge\.sh|.*/test-impl\.sh|git)\b')
CANARY = os.path.join('cli', 'tests', 'replbench_canary')
RUN_TIMEOUT = 900            # seconds for all the blocks of one file


class Block:
    def __init__(self, path, line, mode):
        self.path, self.line, self.mode = path, line, mode
        self.chunks = []             # (line, text run by the shell, expected status)


def slug(heading):
    """GitHub's anchor of a heading."""
    text = heading.strip().lower()
    text = re.sub(r'[^\w\- ]', '', text)
    return text.replace(' ', '-')


def chunks_of(lines, first):
    """The commands of a block's lines: continuation lines joined, a
    here-document kept with its command, comments and blank lines left out."""
    out, i = [], 0
    while i < len(lines):
        start = i
        text = lines[i]
        while text.endswith('\\') and i + 1 < len(lines):
            i += 1
            text = text[:-1] + ' ' + lines[i].strip()
        i += 1
        stripped = text.strip()
        if not stripped or stripped.startswith('#'):
            continue
        body = []
        m = HEREDOC.search(text)
        if m:
            while i < len(lines):
                body.append(lines[i])
                i += 1
                if lines[i - 1].strip() == m.group(1):
                    break
        e = EXIT.search(text)
        out.append((first + start, '\n'.join([text] + body), int(e.group(1)) if e else 0))
    return out


def parse(path):
    """(blocks, links, anchors, problems, inline) of a markdown file; inline:
    the replbench commands quoted in its prose, (line, arguments)."""
    blocks, links, anchors, problems, inline = [], [], set(), [], []
    with open(path) as f:
        lines = f.read().splitlines()
    fence, block, buf = None, None, []
    for n, line in enumerate(lines, 1):
        if fence:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                if block:
                    block.chunks = chunks_of(buf, block.line + 1)
                    blocks.append(block)
                fence, block, buf = None, None, []
            elif block:
                buf.append(line)
            continue
        m = FENCE.match(line)
        if m:
            fence = m.group(1)
            lang, rest = m.group(2).lower(), m.group(3).split()
            if lang in SHELL_LANGS:
                if rest not in ([], ['check']):
                    problems.append((n, 'block marked %r: expected "%s" or "%s check"'
                                     % (' '.join([lang] + rest), lang, lang)))
                block = Block(path, n, 'check' if rest == ['check'] else 'run')
            continue
        h = re.match(r'^#{1,6}\s+(.*?)\s*#*\s*$', line)
        if h:
            anchors.add(slug(h.group(1)))
        for target in LINK.findall(re.sub(r'`[^`]*`', '', line)):
            links.append((n, target))
        for args in INLINE_RB.findall(line):
            inline.append((n, args))
    if fence:
        problems.append((len(lines), 'a fenced block is never closed'))
    return blocks, links, anchors, problems, inline


class DocChecker(Checker):
    def __init__(self, root, build):
        rb = os.path.join(build, 'cli', 'replbench')
        super().__init__(root, rb)
        self.build = build
        self.script_helps = {}
        self.meson_options = set(re.findall(r"option\(\s*'(\w+)'",
                                            open(os.path.join(root, 'meson_options.txt')).read()))
        self.suites = None

    def build_suites(self):
        if self.suites is None:
            self.suites = set()
            out = subprocess.run(['meson', 'introspect', '--tests', self.build],
                                 capture_output=True, text=True, check=False)
            try:
                for t in json.loads(out.stdout or '[]'):
                    for s in t.get('suite', []):
                        self.suites.add(s.split(':')[-1])
            except ValueError:
                pass
        return self.suites

    def script_help(self, path, interp):
        if path not in self.script_helps:
            argv = ([interp] if interp else []) + [os.path.join(self.root, path), '--help']
            try:
                out = subprocess.run(argv, capture_output=True, text=True, check=False,
                                     timeout=60, cwd=self.root)
                self.script_helps[path] = (out.returncode, out.stdout + out.stderr)
            except (OSError, subprocess.TimeoutExpired) as e:
                self.script_helps[path] = (-1, str(e))
        return self.script_helps[path]

    def check_options(self, where, name, helptext, args):
        for a in args:
            opt = a.split('=', 1)[0]
            if re.match(r'^--?[A-Za-z]', opt) and not re.search(
                    r'(^|[\s,\[|(])%s([\s,=\]|)]|$)' % re.escape(opt), helptext, re.M):
                self.problem(where, '%s has no option %s (not in its --help)' % (name, opt))

    def check_meson(self, where, args):
        if args[:1] == ['setup'] or args[:1] == ['configure']:
            for a in args:
                m = re.match(r'^-D(\w+)=', a)
                if m and m.group(1) not in self.meson_options \
                        and not MESON_BUILTIN.match(m.group(1)):
                    self.problem(where, 'meson has no option %s (meson_options.txt)' % m.group(1))
        if args[:1] == ['test']:
            for i, a in enumerate(args):
                if a == '--suite' and i + 1 < len(args) \
                        and args[i + 1] not in self.build_suites():
                    self.problem(where, 'no meson test suite %r (this build has %s)'
                                 % (args[i + 1], ', '.join(sorted(self.build_suites()))))

    def built(self, word):
        """build*/X: X of the build under test (build-canary's replbench: the
        canary replbench of this build)."""
        top, _, rest = word.partition('/')
        if top == 'build-canary' and rest == 'cli/replbench':
            return os.path.join(self.build, CANARY)
        return os.path.join(self.build, rest)

    def check_simple(self, where, cmd):
        while cmd and (cmd[0] in KEYWORDS_STRIP or re.match(r'^\w+=', cmd[0])
                       or cmd[0] in PREFIX_PROGRAMS):
            cmd = cmd[1:]
        cmd = [w for w in cmd if w != '$']
        if not cmd or cmd[0] in KEYWORDS_SKIP or cmd[0] in BUILTINS:
            return
        prog, args, interp = cmd[0], cmd[1:], None
        if prog in INTERPRETERS and args and '/' in args[0]:
            interp, prog, args = prog, args[0], args[1:]
        if prog == 'replbench':
            self.check_replbench(where, args)
        elif re.match(r'^build[^/]*/', prog):
            path = self.built(prog)
            other = not prog.startswith(('build/', 'build-canary/'))
            if other and not os.path.exists(path):
                # another build (fuzzing, AFL++): a program named after its source
                path = os.path.join(self.root, prog.partition('/')[2] + '.c')
            if not os.path.exists(path):
                self.problem(where, '%s: the build makes no %s' % (prog, prog.partition('/')[2]))
            elif prog.endswith('/cli/replbench'):
                if args[:1] not in (['--help'], ['-h'], ['--version']):
                    self.check_replbench(where, args)
        elif '/' in prog:
            rel = prog[2:] if prog.startswith('./') else prog
            full = os.path.join(self.root, rel)
            if not os.path.isfile(full):
                self.problem(where, 'no %s in the repository' % prog)
                return
            if not interp and not os.access(full, os.X_OK):
                self.problem(where, '%s is not executable' % prog)
            if args and args != ['--help']:
                rc, text = self.script_help(rel, interp)
                if rc != 0:
                    self.problem(where, '%s --help exits %d' % (prog, rc))
                else:
                    self.check_options(where, prog, text, args)
        elif shutil.which(prog) is None:
            self.problem(where, 'runs %r: not a program on PATH' % prog)
        if prog == 'meson':
            self.check_meson(where, args)
        for word in args if prog not in ('ninja',) else []:
            if ':' not in word and word.startswith(tuple(d for d in self.source_dirs())) \
                    and not re.search(r'[*?$]', word):
                self.check_path(where, word, False)

    def source_dirs(self):
        return ('scripts/', 'reports/', 'cli/', 'fuzz/', 'scenarios/', 'registry/', 'sim/',
                '.ci/', '.clusterfuzzlite/', 'docs/', 'impls/')

    def check_chunk(self, where, text):
        try:
            cmds = list(commands(without_heredocs(text)))
        except ValueError as e:
            self.problem(where, 'cannot split %r: %s' % (text.splitlines()[0], e))
            return
        for cmd in cmds:
            self.check_simple(where, cmd)
        return cmds


def copy_tree(root):
    """A copy of the source tree (no builds, no .git): what the commands
    write lands there, never in the source."""
    t = tempfile.mkdtemp(prefix='replbench-docs-src.')
    for name in os.listdir(root):
        if name.startswith('build') or name == '.git':
            continue
        src = os.path.join(root, name)
        if os.path.isdir(src) and not os.path.islink(src):
            shutil.copytree(src, os.path.join(t, name), symlinks=True)
        else:
            shutil.copy2(src, os.path.join(t, name), follow_symlinks=False)
    return t


def scratch(tree, build):
    """A folder of one page's commands: the tree's entries, the build."""
    t = tempfile.mkdtemp(prefix='replbench-docs.')
    for name in os.listdir(tree):
        os.symlink(os.path.join(tree, name), os.path.join(t, name))
    os.symlink(build, os.path.join(t, 'build'))
    if os.path.exists(os.path.join(build, CANARY)):
        os.makedirs(os.path.join(t, 'build-canary', 'cli'))
        os.symlink(os.path.join(build, CANARY), os.path.join(t, 'build-canary', 'cli', 'replbench'))
    return t


def run_blocks(checker, name, blocks, tree, build):
    """Run the `sh` blocks of one file, in order, in one scratch folder."""
    runs = [b for b in blocks if b.mode == 'run' and b.chunks]
    if not runs:
        return 0
    t = scratch(tree(), build)
    try:
        script = ['set +e', 'set -o pipefail', '__doc_status=$2', 'cd "$1"']
        for b in runs:
            for line, text, _ in b.chunks:
                script.append('echo "--- %s:%d" >&2' % (name, line))
                script.append(text)
                script.append('echo "%d $?" >>"$__doc_status"' % line)
        status_file = os.path.join(t, '.doc-status')
        sh = os.path.join(t, '.doc-script.sh')
        with open(sh, 'w') as f:
            f.write('\n'.join(script) + '\n')
        open(status_file, 'w').close()
        try:
            out = subprocess.run(['bash', sh, t, status_file], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 timeout=RUN_TIMEOUT)
            log = out.stdout.decode(errors='replace')
        except subprocess.TimeoutExpired as e:
            log = (e.stdout or b'').decode(errors='replace')
            checker.problem(name, 'its commands did not end within %d s' % RUN_TIMEOUT)
        got = {}
        with open(status_file) as f:
            for ln in f:
                line, rc = ln.split()
                got[int(line)] = int(rc)
        n = 0
        for b in runs:
            for line, text, want in b.chunks:
                n += 1
                where = '%s:%d' % (name, line)
                if line not in got:
                    checker.problem(where, 'did not run to its end: %s' % text.splitlines()[0])
                elif got[line] != want:
                    part = log.split('--- %s\n' % where, 1)[-1].split('\n--- ', 1)[0]
                    tail = '\n'.join('      ' + x for x in part.splitlines()[-12:])
                    checker.problem(where, 'exit %d, expected %d: %s\n%s'
                                    % (got[line], want, text.splitlines()[0], tail))
        return n
    finally:
        shutil.rmtree(t, ignore_errors=True)


def check_links(checker, path, name, links, anchors_of):
    for line, target in links:
        if re.match(r'^[a-z]+:', target):
            continue
        where = '%s:%d' % (name, line)
        file_part, _, anchor = target.partition('#')
        dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part \
            else path
        if not os.path.exists(dest):
            checker.problem(where, 'link to %s: no such file' % target)
        elif anchor and dest.endswith('.md'):
            if anchor not in anchors_of(dest):
                checker.problem(where, 'link to %s: %s has no heading #%s'
                                % (target, os.path.basename(dest), anchor))


def check_files(root, build, files, run=True):
    checker = DocChecker(root, build)
    cache, copy = {}, []

    def anchors_of(p):
        if p not in cache:
            cache[p] = parse(p)[2]
        return cache[p]

    def tree():
        if not copy:
            copy.append(copy_tree(root))
        return copy[0]
    counts = []
    try:
        for path in files:
            counts.append(check_file(checker, root, build, path, anchors_of, tree, cache, run))
    finally:
        for t in copy:
            shutil.rmtree(t, ignore_errors=True)
    return checker.problems, counts


def check_file(checker, root, build, path, anchors_of, tree, cache, run):
    name = os.path.relpath(path, root) if path.startswith(root) else path
    blocks, links, anchors, problems, inline = parse(path)
    cache[path] = anchors
    for line, what in problems:
        checker.problem('%s:%d' % (name, line), what)
    for line, args in inline:
        # a command quoted in the prose: its command and options exist
        words = [w.strip('[]()|,.') for w in args.split()]
        checker.check_replbench('%s:%d' % (name, line),
                                [w for w in words if w and (w == words[0] or w.startswith('-'))])
    checked = 0
    for b in blocks:
        for line, text, _ in b.chunks:
            for cmd in checker.check_chunk('%s:%d' % (name, line), text) or []:
                words = [w for w in cmd if not re.match(r'^\w+=', w) and w != 'nice']
                if b.mode == 'run' and NOT_RUN.match(' '.join(words)):
                    checker.problem('%s:%d' % (name, line), 'not run by this test (a build, '
                                    'an install, a long run): mark its block `sh check`')
                    b.mode = 'refused'
            checked += 1
    check_links(checker, path, name, links, anchors_of)
    ran = run_blocks(checker, name, blocks, tree, build) if run else 0
    return (name, ran, checked - ran, len(links))


SELF_TESTS = [
    # (what is broken, markdown, what the report must say)
    ('a replbench option that does not exist',
     '```sh\nbuild/cli/replbench run --no-such-option scenarios/suites/registry\n```\n',
     'has no option --no-such-option'),
    ('a replbench command that does not exist',
     '```sh check\nbuild/cli/replbench frobnicate scenarios/suites\n```\n',
     'replbench has no command'),
    ('a command that fails',
     '```sh\nsed "s/calls=\\"d.stop/calls=\\"b.stop/" '
     'scenarios/suites/removal/remove_next_during_stop.scn > broken.scn\n'
     'build/cli/replbench run broken.scn\n```\n',
     'exit 1, expected 0'),
    ('a command that passes where its comment says it fails',
     '```sh\nbuild/cli/replbench faults   # exit 1: never\n```\n',
     'exit 0, expected 1'),
    ('a script that does not exist',
     '```sh check\nscripts/no-such-script.sh --fast\n```\n',
     'no scripts/no-such-script.sh'),
    ('a script option that does not exist',
     '```sh check\nscripts/fuzz-long.sh --no-such-flag 10\n```\n',
     'has no option --no-such-flag'),
    ('a path that does not exist',
     '```sh check\nbuild/cli/replbench run scenarios/suites/no_such_suite\n```\n',
     'no scenarios/suites/no_such_suite'),
    ('a meson option that does not exist',
     '```sh check\nmeson setup build-x -Dno_such_option=1\n```\n',
     'meson has no option no_such_option'),
    ('a meson suite that does not exist',
     '```sh check\nmeson test -C build --suite no_such_suite\n```\n',
     "no meson test suite 'no_such_suite'"),
    ('a program the build does not make',
     '```sh check\nbuild/sim/no_such_bench\n```\n',
     'the build makes no sim/no_such_bench'),
    ('a program that is nowhere',
     '```sh check\nno-such-program-anywhere --x\n```\n',
     "runs 'no-such-program-anywhere'"),
    ('a dead link', 'See [it](NO_SUCH_FILE.md).\n', 'no such file'),
    ('a link to a heading that does not exist',
     '# Title\n\nSee [it](#no-such-heading).\n', 'has no heading #no-such-heading'),
    ('a build in a block that runs', '```sh\nninja -C build\n```\n', 'mark its block'),
    ('a script that builds, in a block that runs',
     '```sh\nscripts/test-impl.sh corpus --update\n```\n', 'mark its block'),
    ('a replbench option quoted in the prose that does not exist',
     'Use `replbench run --no-such-prose-option PATH` for that.\n', 'has no option --no-such-prose-option'),
    ('a misspelt block mark', '```sh chek\ntrue\n```\n', 'block marked'),
]

SOUND = ('# Sound\n\nSee [below](#a-section) and [the front page](%s).\n\n## A section\n\n'
         '```sh\nbuild/cli/replbench run -q scenarios/suites/registry\n'
         'build/cli/replbench run --inject registry/alloc:1 '
         'scenarios/suites/faults/registry_alloc_error_is_still_reported.scn  # exit 1: refused\n'
         'cat > one.scn <<\'SCN\'\nstate name=a\nwalk kind=start\nexpect calls="a.start"\nSCN\n'
         'build/cli/replbench run one.scn\n```\n\n'
         '```sh check\nscripts/fuzz-long.sh --time 900\n```\n\n```\nnot a command\n```\n')


def self_test(root, build):
    failed = 0
    with tempfile.TemporaryDirectory(prefix='replbench-docs-selftest.') as d:
        for i, (what, text, expect) in enumerate(SELF_TESTS):
            path = os.path.join(d, 'broken%d.md' % i)
            with open(path, 'w') as f:
                f.write(text)
            problems, _ = check_files(root, build, [path])
            if any(expect in p for p in problems):
                print('ok - reported: %s' % what)
            else:
                failed += 1
                print('not ok - NOT reported: %s (expected %r in %r)' % (what, expect, problems))
        path = os.path.join(d, 'sound.md')
        with open(path, 'w') as f:
            f.write(SOUND % os.path.join(root, 'README.md'))
        problems, counts = check_files(root, build, [path])
        if problems or counts[0][1:3] != (4, 1):
            failed += 1
            print('not ok - a sound page: %r %r' % (problems, counts))
        else:
            print('ok - a sound page passes (4 commands run, 1 checked)')
    return failed


def main(argv):
    selftest = '--self-test' in argv
    argv = [a for a in argv if a != '--self-test']
    if '--help' in argv or '-h' in argv:
        print(__doc__.strip())
        return 0
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    root, build = os.path.abspath(argv[0]), os.path.abspath(argv[1])
    if not os.path.isfile(os.path.join(build, 'cli', 'replbench')):
        print('doc_commands: no %s/cli/replbench' % build, file=sys.stderr)
        return 2
    if selftest:
        return 1 if self_test(root, build) else 0
    files = [os.path.abspath(f) for f in argv[2:]] or \
        [os.path.join(root, 'README.md')] + sorted(glob.glob(os.path.join(root, 'docs', '*.md')))
    problems, counts = check_files(root, build, files)
    for name, ran, checked, links in counts:
        print('%s: %d commands run, %d checked, %d links' % (name, ran, checked, links))
    for p in problems:
        print('  ' + p, file=sys.stderr)
    print('doc_commands: %d problems' % len(problems))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
