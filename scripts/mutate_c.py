"""mutate_c.py: first-order mutants of one C file, for scripts/mutate.py.

Owns the C side of mutation testing: a tokenizer, a statement scanner of
function bodies, and the mutation operators.  Knows nothing of builds,
tests or reports.  The mutants of a text are a pure function of that text:
the same file gives the same mutants in the same order.

Operators (class names as the report prints them):
  ror       a relational operator replaced by each other one (`<` -> `<=`,
            `>`, `>=`, `==`, `!=`); against NULL only `==` <-> `!=`
  lcr       `&&` <-> `||`
  negate    the condition of if/while/for/?: negated; a unary `!` removed
  delete    an expression statement, break, continue, goto or a return
            that is not its function's last statement deleted
  const     an integer literal: 0 -> 1; N -> 0 and N -> N+1
  return    `return E;` -> `return 0;` (E not already 0/NULL/false),
            `return 0;` -> `return 1;`, true <-> false
  loop      break <-> continue inside a loop
  null      a NULL check made constant: `X == NULL` -> `0`, `X != NULL` -> `1`
"""

import re
from dataclasses import dataclass

OPERATORS = ("ror", "lcr", "negate", "delete", "const", "return", "loop", "null")

_PUNCT = sorted("""... <<= >>= -> ++ -- << >> <= >= == != && || += -= *= /= %= &= ^= |=
## { } [ ] ( ) ; : , . ? ! ~ + - * / % & | ^ = < > #""".split(), key=len, reverse=True)

_TOKEN_RE = re.compile(r"""
    (?P<ws>[ \t\r\f\v]+|\\\n)
  | (?P<nl>\n)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>(?:u8|[uUL])?"(?:[^"\\\n]|\\.)*")
  | (?P<char>(?:[uUL])?'(?:[^'\\\n]|\\.)*')
  | (?P<number>(?:0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)[uUlLfF]*)
  | (?P<ident>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<punct>""" + "|".join(re.escape(p) for p in _PUNCT) + r""")
""", re.VERBOSE | re.DOTALL)

RELATIONAL = ("<", "<=", ">", ">=", "==", "!=")
TYPE_WORDS = {"int", "unsigned", "signed", "char", "short", "long", "float", "double",
              "void", "bool", "_Bool", "const", "volatile", "static", "extern",
              "register", "struct", "enum", "union", "typedef", "inline", "size_t",
              "ssize_t", "va_list", "__attribute__", "_Static_assert", "static_assert"}
ASSIGN_OPS = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "^=", "|=", "<<=", ">>="}
# Where a condition or an operand, read backwards, stops.
_STOP_BACK = ASSIGN_OPS | {";", "{", "}", ",", "?", ":", "return", "(", "["}
_INT_RE = re.compile(r"^(0[xX][0-9a-fA-F]+|[0-9]+)([uUlL]*)$")


class CSyntaxError(Exception):
    """The file is not C this scanner can follow (unbalanced brackets...)."""


@dataclass
class Token:
    kind: str           # ident, number, string, char, punct, pp
    text: str
    start: int          # offsets into the text
    end: int
    line: int
    func: str = ""      # the function whose body holds it ("" outside)


@dataclass
class Mutant:
    op: str             # one of OPERATORS
    start: int          # the text [start, end) is replaced by `repl`
    end: int
    repl: str
    line: int
    func: str
    desc: str           # what changed, e.g. "`>=` -> `>`"
    line_text: str = ""
    key: str = ""       # stable across edits elsewhere: func, line, change

    def apply(self, text):
        return text[:self.start] + self.repl + text[self.end:]


def tokenize(text):
    """Tokens of C source; comments and whitespace dropped, each
    preprocessor line kept as one `pp` token (never mutated)."""
    toks = []
    pos, line, at_line_start = 0, 1, True
    while pos < len(text):
        if at_line_start:
            m = re.match(r"[ \t]*#", text[pos:pos + 200])
            if m:
                end = _pp_end(text, pos)
                toks.append(Token("pp", text[pos:end], pos, end, line))
                line += text.count("\n", pos, end)
                pos = end
                continue
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise CSyntaxError(f"line {line}: cannot read {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        if kind == "nl":
            line, at_line_start = line + 1, True
        elif kind in ("ws", "comment"):
            line += m.group().count("\n")
        else:
            toks.append(Token(kind, m.group(), pos, m.end(), line))
            at_line_start = False
        pos = m.end()
    return toks


def _pp_end(text, pos):
    """End of the preprocessor line starting at pos (continuations and
    comments that span lines included)."""
    i = pos
    while i < len(text):
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = len(text) if j < 0 else j + 2
        elif text.startswith("\\\n", i):
            i += 2
        elif text[i] == "\n":
            return i
        else:
            i += 1
    return i


def _match(toks, i):
    """Index of the bracket closing the one at toks[i]."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    opening, closing, depth = toks[i].text, pairs[toks[i].text], 0
    for j in range(i, len(toks)):
        if toks[j].text == opening and toks[j].kind == "punct":
            depth += 1
        elif toks[j].text == closing and toks[j].kind == "punct":
            depth -= 1
            if depth == 0:
                return j
    raise CSyntaxError(f"line {toks[i].line}: unbalanced '{opening}'")


def _open(toks, j):
    """Index of the bracket opening the one that closes at toks[j]."""
    depth = 0
    while j >= 0:
        depth += {")": 1, "]": 1, "(": -1, "[": -1}.get(toks[j].text, 0)
        if depth == 0:
            return j
        j -= 1
    raise CSyntaxError(f"line {toks[0].line}: unbalanced ')'")


@dataclass
class Site:
    """A place a mutation can apply, found by the statement scanner."""
    kind: str           # cond, expr, return, break, continue, goto
    first: int          # token range [first, last] (inclusive)
    last: int
    in_loop: bool = False
    final: bool = False     # a function's last top-level statement


class Scanner:
    """Walks the function bodies of a token list and records sites."""

    def __init__(self, toks):
        self.toks = toks
        self.sites = []

    def run(self):
        i, n = 0, len(self.toks)
        while i < n:
            t = self.toks[i]
            if t.text in ("{", "(", "[") and t.kind == "punct":
                close = _match(self.toks, i)
                if t.text == "{" and self._is_function_body(i):
                    name = self._function_name(i)
                    for k in range(i, close + 1):
                        self.toks[k].func = name
                    self._block(i, loop=False, top=True)
                i = close + 1
            else:
                i += 1
        return self.sites

    def _is_function_body(self, i):
        return i > 0 and self.toks[i - 1].text == ")"

    def _function_name(self, brace):
        opening = _open(self.toks, brace - 1)
        return self.toks[opening - 1].text if opening > 0 else "?"

    def _block(self, i, loop, top=False):
        """toks[i] is '{': scan its statements; returns the index past '}'."""
        end = _match(self.toks, i)
        j = last = i + 1
        while j < end:
            last = j
            j = self._statement(j, loop)
        if top:
            for s in self.sites:
                if s.kind == "return" and s.first == last:
                    s.final = True
        return end + 1

    def _statement(self, i, loop):
        t = self.toks
        w = t[i].text
        if w == "{":
            return self._block(i, loop)
        if w in ("if", "while", "switch") and t[i + 1].text == "(":
            close = _match(t, i + 1)
            if w != "switch":
                self.sites.append(Site("cond", i + 2, close - 1))
            j = self._statement(close + 1, loop or w == "while")
            if w == "if" and j < len(t) and t[j].text == "else":
                j = self._statement(j + 1, loop)
            return j
        if w == "for" and t[i + 1].text == "(":
            return self._for(i, loop)
        if w == "do":
            j = self._statement(i + 1, True)
            close = _match(t, j + 1)            # while ( ... )
            self.sites.append(Site("cond", j + 2, close - 1))
            return close + 2
        if w in ("case", "default") or (t[i].kind == "ident" and t[i + 1].text == ":"
                                         and w not in TYPE_WORDS):
            j = i
            while t[j].text != ":":
                j += 1
            return j + 1
        if w == ";":
            return i + 1
        return self._simple(i, loop)

    def _for(self, i, loop):
        t = self.toks
        close = _match(t, i + 1)
        semis = [k for k in range(i + 2, close) if t[k].text == ";"
                 and self._depth(i + 2, k) == 0]
        if len(semis) == 2 and semis[1] > semis[0] + 1:
            self.sites.append(Site("cond", semis[0] + 1, semis[1] - 1))
        return self._statement(close + 1, True)

    def _depth(self, a, b):
        d = 0
        for k in range(a, b):
            d += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(self.toks[k].text, 0)
        return d

    def _simple(self, i, loop):
        """An expression, declaration, return, break, continue or goto
        statement ending at its ';'."""
        t = self.toks
        if t[i].kind == "ident" and t[i + 1].text == "(" and t[_match(t, i + 1) + 1].text == "{":
            # A loop macro (QLIST_FOREACH_SAFE(...) { ... }): its body is a loop's.
            return self._block(_match(t, i + 1) + 1, True)
        j = i
        while t[j].text != ";":
            if t[j].text == "}":
                return j        # a statement without ';' (a macro): no site
            j = _match(t, j) + 1 if t[j].text in ("(", "[", "{") else j + 1
        w = t[i].text
        if w in ("return", "break", "continue", "goto"):
            self.sites.append(Site(w, i, j, in_loop=loop))
        elif not self._is_declaration(i):
            self.sites.append(Site("expr", i, j, in_loop=loop))
        return j + 1

    def _is_declaration(self, i):
        t = self.toks
        if t[i].text in TYPE_WORDS or t[i].kind == "pp":
            return True
        if t[i].kind == "ident" and t[i + 1].kind == "ident":
            return True
        # `Type *name ...`: a multiplication as a statement would be useless.
        return (t[i].kind == "ident" and t[i + 1].text == "*"
                and t[i + 2].kind == "ident" and t[i + 3].text in ("=", ";", ",", "["))


class Generator:
    """The mutants of one file's text, in a fixed order: by position, then
    by operator, then by replacement."""

    def __init__(self, text, operators=OPERATORS):
        self.text = text
        self.ops = set(operators)
        self.toks = tokenize(text)
        self.sites = Scanner(self.toks).run()
        self.out = []

    def mutants(self):
        self._token_mutants()
        self._site_mutants()
        self.out.sort(key=lambda m: (m.start, m.end, OPERATORS.index(m.op), m.repl))
        return self._keyed(self._unique(self.out))

    def _add(self, op, first_tok, last_tok, repl, desc, start=None, end=None):
        if op not in self.ops:
            return
        a = self.toks[first_tok]
        self.out.append(Mutant(op, a.start if start is None else start,
                               self.toks[last_tok].end if end is None else end,
                               repl, a.line, a.func, desc))

    def _token_mutants(self):
        for i, t in enumerate(self.toks):
            if not t.func or t.kind == "pp":
                continue
            if t.text in RELATIONAL and t.kind == "punct":
                self._ror(i)
            elif t.text in ("&&", "||"):
                self._add("lcr", i, i, "||" if t.text == "&&" else "&&",
                          f"`{t.text}` -> `{'||' if t.text == '&&' else '&&'}`")
            elif t.text == "!" and self._unary(i):
                self._add("negate", i, i, "", "`!` removed")
            elif t.kind == "number":
                self._constant(i)
            elif t.text == "?":
                self._ternary(i)

    def _unary(self, i):
        return i > 0 and (self.toks[i - 1].kind == "punct"
                          and self.toks[i - 1].text not in (")", "]", "++", "--")
                          or self.toks[i - 1].text == "return")

    def _ror(self, i):
        t = self.toks
        if t[i - 1].text == "NULL" or t[i + 1].text == "NULL":
            other = "!=" if t[i].text == "==" else "=="
            if t[i].text in ("==", "!="):
                self._add("ror", i, i, other, f"`{t[i].text}` -> `{other}`")
                self._null_check(i)
            return
        for r in RELATIONAL:
            if r != t[i].text:
                self._add("ror", i, i, r, f"`{t[i].text}` -> `{r}`")

    def _null_check(self, i):
        t = self.toks
        if t[i + 1].text == "NULL":
            first, last = self._operand_back(i - 1), i + 1
        else:
            first, last = i - 1, self._operand_forward(i + 1)
        value = "0" if t[i].text == "==" else "1"
        snippet = self.text[t[first].start:t[last].end]
        self._add("null", first, last, value, f"`{snippet}` -> `{value}`")

    def _operand_back(self, j):
        """First token of the postfix or unary operand ending at toks[j]."""
        t = self.toks
        while j > 0:
            if t[j].text in (")", "]"):
                j = self._open_of(j)
            prev = t[j - 1]
            if prev.text in ("->", "."):
                j -= 2
            elif t[j].text in ("(", "[") and (prev.kind == "ident" or prev.text in (")", "]")):
                j -= 1
            elif prev.text in ("*", "&", "!", "~", "-") and self._unary(j - 1):
                j -= 1
            else:
                return j
        return j

    def _operand_forward(self, j):
        """Last token of the postfix or unary operand starting at toks[j]."""
        t = self.toks
        while t[j].text in ("*", "&", "!", "~", "-"):
            j += 1
        if t[j].text == "(":
            j = _match(t, j)
        while t[j + 1].text in ("->", ".", "(", "["):
            j = j + 2 if t[j + 1].text in ("->", ".") else _match(t, j + 1)
        return j

    def _open_of(self, j):
        return _open(self.toks, j)

    def _constant(self, i):
        t = self.toks[i]
        m = _INT_RE.match(t.text)
        if not m or self._array_size(i):
            return
        digits, suffix = m.groups()
        if len(digits) > 1 and digits[0] == "0" and digits[1] not in "xX":
            return              # octal: none in our code, left alone
        value = int(digits, 0)
        fmt = hex if digits[:2].lower() == "0x" else str
        for v in ([1] if value == 0 else [0, value + 1]):
            self._add("const", i, i, fmt(v) + suffix, f"`{t.text}` -> `{fmt(v) + suffix}`")

    def _array_size(self, i):
        """An array size in a declaration (`char what[96]`): a bound, not a
        value the code computes with."""
        t = self.toks
        return (i >= 3 and t[i - 1].text == "[" and t[i + 1].text == "]"
                and t[i - 2].kind == "ident"
                and (t[i - 3].kind == "ident" and t[i - 3].text not in ("return", "case", "sizeof", "else")
                     or t[i - 3].text == "*"))

    def _ternary(self, i):
        t = self.toks
        j = i - 1
        while True:
            if t[j].text in (")", "]"):
                j = self._open_of(j)
            if j == 0 or t[j - 1].text in _STOP_BACK:
                break
            j -= 1
        self._negate(j, i - 1)

    def _negate(self, first, last):
        t = self.toks
        cond = self.text[t[first].start:t[last].end]
        self._add("negate", first, last, f"!({cond})", f"`{_short(cond)}` negated")

    def _site_mutants(self):
        for s in self.sites:
            getattr(self, "_site_" + s.kind)(s)

    def _site_cond(self, s):
        self._negate(s.first, s.last)

    def _site_expr(self, s):
        t = self.toks
        if t[s.first].text == "(" and t[s.first + 1].text == "void" and t[s.first + 2].text == ")":
            return              # (void)x; compiles to nothing
        self._delete(s)

    def _delete(self, s):
        # `;` rather than nothing: `if (c) return x;` keeps an empty body.
        stmt = self.text[self.toks[s.first].start:self.toks[s.last].end]
        self._add("delete", s.first, s.last, ";", f"delete `{_short(stmt)}`")

    def _site_return(self, s):
        t = self.toks
        expr = self.text[t[s.first + 1].start:t[s.last - 1].end] if s.last > s.first + 1 else ""
        if not s.final:
            self._delete(s)
        if not expr:
            return
        repl = {"0": "1", "true": "false", "false": "true", "NULL": None}.get(expr, "0")
        if repl is None:
            return
        self._add("return", s.first, s.last, f"return {repl};",
                  f"`return {_short(expr)};` -> `return {repl};`")

    def _site_break(self, s):
        self._delete(s)
        if s.in_loop:
            self._add("loop", s.first, s.first, "continue", "`break` -> `continue`")

    def _site_continue(self, s):
        self._delete(s)
        self._add("loop", s.first, s.first, "break", "`continue` -> `break`")

    def _site_goto(self, s):
        self._delete(s)

    def _unique(self, ms):
        """Drop mutants that change nothing or give the text of an earlier
        one (`return 0;` -> `return 1;` is also `0` -> `1`)."""
        seen, out = {self.text}, []
        for m in ms:
            result = m.apply(self.text)
            if result not in seen:
                seen.add(result)
                out.append(m)
        return out

    def _keyed(self, ms):
        lines = self.text.split("\n")
        count = {}
        for m in ms:
            m.line_text = lines[m.line - 1].strip()
            base = f"{m.func}: `{m.line_text}`: {m.desc}"
            count[base] = count.get(base, 0) + 1
            m.key = base if count[base] == 1 else f"{base} #{count[base]}"
        return ms


def _short(s, width=60):
    s = " ".join(s.split())
    return s if len(s) <= width else s[:width - 3] + "..."


def mutants_of(text, operators=OPERATORS):
    """The first-order mutants of C source `text`, in a fixed order."""
    return Generator(text, operators).mutants()
