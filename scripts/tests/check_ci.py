#!/usr/bin/env python3
"""check_ci.py: every command the CI files run exists in the repository.

Reads GitHub workflows (jobs.*.steps[].run) and GitLab files (each job's
before_script, script, after_script).  For each shell command in them:
a program given by path is a file of the repository, executable, or a
program the build makes (build/cli/replbench); a replbench subcommand is
one `replbench --help` lists and each option is one `replbench SUB --help`
names; any other word that names a file of the repository exists.  In
each repository script a CI file runs, every replbench command (the
script's "$RB" ...) is checked the same way.
ClusterFuzzLite steps must build with the project's .clusterfuzzlite/ and
its language.  Prints each problem as FILE: what; exit 1 when there are.

Usage: check_ci.py SOURCE_ROOT PATH/TO/replbench CI_FILE...
"""
import os
import re
import shlex
import subprocess
import sys

import yaml

SOURCE_DIRS = ('scripts/', 'reports/', 'cli/', 'fuzz/', 'scenarios/', 'registry/', 'sim/',
               '.ci/', '.clusterfuzzlite/')
BUILT = {'build/cli/replbench'}          # cli/meson.build: executable('replbench')
SHELL = {'bash', 'sh', 'echo', 'test', '['}
OPERATORS = {'|', '||', '&&', ';', '&', '(', ')'}
REDIRECTS = {'>', '>>', '<'}
RB_WORDS = {'$RB', '${RB}'}              # how the CI scripts name replbench
HEREDOC = re.compile(r'<<-?\s*[\'"]?(\w+)[\'"]?')


def help_text(rb, *args):
    out = subprocess.run([rb, *args, '--help'], capture_output=True, text=True, check=False)
    return out.stdout + out.stderr


def subcommands(rb):
    text = help_text(rb)
    body = text.split('commands:', 1)[1] if 'commands:' in text else ''
    return set(re.findall(r'^  ([a-z0-9]+) ', body, re.M))


def github_runs(doc):
    for job in (doc.get('jobs') or {}).values():
        for step in job.get('steps') or []:
            if 'run' in step:
                yield step['run']


def github_uses(doc):
    for job in (doc.get('jobs') or {}).values():
        for step in job.get('steps') or []:
            if 'uses' in step:
                yield step['uses'], step.get('with') or {}


def gitlab_runs(doc):
    for job in doc.values():
        if not isinstance(job, dict):
            continue
        for key in ('before_script', 'script', 'after_script'):
            for line in job.get(key) or []:
                yield line


def words(line):
    lex = shlex.shlex(line, posix=True, punctuation_chars='|&;()<>')
    lex.whitespace_split = True
    lex.commenters = '#'
    return list(lex)


def without_heredocs(text):
    """A shell script without the bodies of its here-documents (text, not
    commands)."""
    out, end = [], None
    for line in text.splitlines():
        if end is not None:
            end = None if line.strip() == end else end
            continue
        out.append(line)
        m = HEREDOC.search(line)
        end = m.group(1) if m else None
    return '\n'.join(out)


def commands(script, lenient=False):
    """The commands of a shell script, each a list of words, redirections
    and their targets left out.  lenient: a line shlex cannot split is
    left out (a script's prose), else it is an error."""
    script = re.sub(r'\$\{\{[^}]*\}\}', '1', script)      # GitHub expressions
    script = script.replace('\\\n', ' ')
    for line in script.splitlines():
        try:
            toks = words(line)
        except ValueError:
            if not lenient:
                raise
            continue
        cmd, skip = [], False
        for tok in toks:
            if tok in OPERATORS:
                if cmd:
                    yield cmd
                cmd = []
            elif tok in REDIRECTS or tok.startswith(('>', '<')):
                skip = True
            elif skip:
                skip = False
            else:
                cmd.append(tok)
        if cmd:
            yield cmd


class Checker:
    def __init__(self, root, rb):
        self.root, self.rb = root, rb
        self.subs = subcommands(rb)
        self.helps = {}
        self.problems = []
        self.scripts = {}                    # script run by a CI file: its replbench commands

    def problem(self, where, what):
        self.problems.append('%s: %s' % (where, what))

    def check_replbench(self, where, args):
        if not args or args[0] not in self.subs:
            self.problem(where, 'replbench has no command %r (it has %s)'
                         % (args[0] if args else '', ', '.join(sorted(self.subs))))
            return
        sub = args[0]
        if sub not in self.helps:
            self.helps[sub] = help_text(self.rb, sub)
        for a in args[1:]:
            opt = a.split('=', 1)[0]
            if opt.startswith('-') and not re.search(r'(^|[\s,])%s([\s,=]|$)' % re.escape(opt),
                                                     self.helps[sub], re.M):
                self.problem(where, 'replbench %s has no option %s' % (sub, opt))

    def check_path(self, where, word, program):
        path = os.path.join(self.root, word[2:] if word.startswith('./') else word)
        if word in BUILT:
            return
        if not os.path.exists(path):
            self.problem(where, 'no %s in the repository' % word)
        elif program and not os.access(path, os.X_OK):
            self.problem(where, '%s is not executable' % word)

    def check_script(self, where, word):
        """The replbench commands of a repository script a CI file runs."""
        name = word[2:] if word.startswith('./') else word
        path = os.path.join(self.root, name)
        if name in self.scripts or name in BUILT or not os.path.isfile(path):
            return
        with open(path, errors='replace') as f:
            text = without_heredocs(f.read())
        n = 0
        for cmd in commands(text, lenient=True):
            if cmd[0] in RB_WORDS:
                self.check_replbench('%s: %s' % (where, name), cmd[1:])
                n += 1
        self.scripts[name] = n

    def check_command(self, where, cmd):
        prog = cmd[0]
        if '/' in prog:
            self.check_path(where, prog, True)
            self.check_script(where, prog)
        elif prog not in SHELL:
            self.problem(where, 'runs %r, which is not in the repository' % prog)
        if prog == 'build/cli/replbench':
            self.check_replbench(where, cmd[1:])
        for word in cmd[1:]:
            if word.startswith(SOURCE_DIRS) and not re.search(r'[*?$]', word):
                self.check_path(where, word, False)

    def check_cflite(self, where, uses, args):
        if not uses.startswith('google/clusterfuzzlite/actions/build_fuzzers'):
            return
        for f in ('build.sh', 'Dockerfile', 'project.yaml'):
            if not os.path.isfile(os.path.join(self.root, '.clusterfuzzlite', f)):
                self.problem(where, 'no .clusterfuzzlite/%s for %s' % (f, uses))
        with open(os.path.join(self.root, '.clusterfuzzlite', 'project.yaml')) as f:
            language = (yaml.safe_load(f) or {}).get('language')
        if args.get('language') != language:
            self.problem(where, '%s: language %r, .clusterfuzzlite/project.yaml says %r'
                         % (uses, args.get('language'), language))

    def check_file(self, path):
        with open(path) as f:
            doc = yaml.safe_load(f)
        name = os.path.relpath(path, self.root)
        gitlab = os.path.basename(path) == '.gitlab-ci.yml'
        n = 0
        for script in (gitlab_runs(doc) if gitlab else github_runs(doc)):
            for cmd in commands(script):
                self.check_command(name, cmd)
                n += 1
        if not gitlab:
            for uses, args in github_uses(doc):
                self.check_cflite(name, uses, args)
                n += 1
        if n == 0:
            self.problem(name, 'runs nothing')
        return n


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    checker = Checker(sys.argv[1], sys.argv[2])
    for path in sys.argv[3:]:
        n = checker.check_file(path)
        print('%s: %d commands and actions' % (os.path.relpath(path, sys.argv[1]), n))
    for name, n in sorted(checker.scripts.items()):
        print('%s: %d replbench commands' % (name, n))
    for p in checker.problems:
        print('  ' + p, file=sys.stderr)
    sys.exit(1 if checker.problems else 0)


if __name__ == '__main__':
    main()
