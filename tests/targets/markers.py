#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find the known lines of the target programs.

A known line ends with a comment made of "#", a space, "pyrometer-target:", a space
and NAME (NAME: letters, digits, "-" and "_"; unique within its file), for example
the spinning line of spin.py.  Tests look the line number up by NAME instead
of hard-coding it:

    markers.py FILE            print NAME<TAB>LINE<TAB>FUNCTION for every marker
    markers.py FILE NAME       print LINE of that marker (exit 1 if there is none)
    markers.py --check FILE... verify every file's markers are well-formed and unique

FUNCTION is the qualified name of the function the line is in, as CPython 3.11+
reports it (co_qualname; 3.9 and 3.10 have only the last component), or <module>.
A test in C can do the same with a few lines: the line number is the 1-based index of
the line that ends with that comment.

As a module: markers.find(path) -> {name: (line, function)}.
"""
import ast
import re
import sys

MARKER = re.compile(r"#\s*pyrometer-target:\s*(\S+)\s*$")
NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def _functions(tree):
    """(first line, last line, qualname) for every function and class, innermost last."""
    spans = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qual = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno, qual))
                inner = qual + (".<locals>." if not isinstance(child, ast.ClassDef) else ".")
                visit(child, inner)
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def find(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    spans = _functions(ast.parse(text, path))
    found = {}
    for number, line in enumerate(text.splitlines(), 1):
        m = MARKER.search(line)
        if not m:
            continue
        name = m.group(1)
        if not NAME.match(name):
            raise ValueError(f"{path}:{number}: bad marker name {name!r}")
        if name in found:
            raise ValueError(f"{path}:{number}: marker {name!r} already on line {found[name][0]}")
        function = "<module>"
        for first, last, qual in spans:
            # innermost enclosing function wins: spans are listed outer before inner
            if first <= number <= last:
                function = qual
        found[name] = (number, function)
    return found


def main(argv):
    if argv and argv[0] == "--check":
        status = 0
        for path in argv[1:]:
            try:
                if not find(path):
                    print(f"{path}: no markers", file=sys.stderr)
                    status = 1
            except (OSError, SyntaxError, ValueError) as e:
                print(e, file=sys.stderr)
                status = 1
        return status
    if len(argv) not in (1, 2):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    found = find(argv[0])
    if len(argv) == 2:
        if argv[1] not in found:
            print(f"{argv[0]}: no marker {argv[1]}", file=sys.stderr)
            return 1
        print(found[argv[1]][0])
        return 0
    for name, (line, function) in found.items():
        print(f"{name}\t{line}\t{function}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
