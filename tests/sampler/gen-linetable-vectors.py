# SPDX-License-Identifier: GPL-3.0-or-later
# Writes linetable-vectors.h: real line tables from several CPython versions, with the line
# CPython itself gives for every instruction offset (co_positions() on 3.11+, co_lines() on 3.10,
# dis.findlinestarts() on 3.9 and earlier).  Run once per interpreter and concatenate:
#   for p in python3.9 python3.10 python3.11 python3.12 python3.13; do $p gen-linetable-vectors.py; done
import dis
import sys

SOURCE = '''
def sample(n, items):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            total += (i *
                      2)
        elif i % 5 == 0:
            try:
                total -= items[i]
            except (IndexError,
                    KeyError):
                pass
        else:
            total = (total
                     + sum(x for x in items
                           if x > i))
    with open("/dev/null") as f:
        f.write(str(total))
    return [total
            for _ in range(3)]
'''

ns = {}
exec(compile(SOURCE, "<vectors>", "exec"), ns)
co = ns["sample"].__code__
v = sys.version_info
tag = "%d%d" % (v.major, v.minor)

if v >= (3, 11):
    kind = "PYR_LINES_LOCATIONS"
    table = co.co_linetable
    lines = [(p[0] if p[0] is not None else -1) for p in co.co_positions()]
    addrs = [2 * i for i in range(len(lines))]
elif v >= (3, 10):
    kind = "PYR_LINES_LINETABLE_310"
    table = co.co_linetable
    addrs = list(range(0, len(co.co_code), 2))
    lines = []
    for a in addrs:
        line = -1
        for start, end, ln in co.co_lines():
            if start <= a < end:
                line = ln if ln is not None else -1
        lines.append(line)
else:
    kind = "PYR_LINES_LNOTAB"
    table = co.co_lnotab
    starts = list(dis.findlinestarts(co))
    addrs = list(range(0, len(co.co_code), 2))
    lines = []
    for a in addrs:
        line = co.co_firstlineno
        for off, ln in starts:
            if off <= a:
                line = ln
        lines.append(line)

print("/* CPython %s */" % sys.version.split()[0])
print("static const uint8_t table_%s[] = { %s };" % (tag, ", ".join(str(b) for b in table)))
print("static const int lines_%s[] = { %s };" % (tag, ", ".join(str(x) for x in lines)))
print("static const struct vector vector_%s = { \"%d.%d\", %s, %d, table_%s, sizeof table_%s, lines_%s, %d };"
      % (tag, v.major, v.minor, kind, co.co_firstlineno, tag, tag, tag, len(lines)))
print()
