#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pyrometer's demo workload: a small order-report job with the hot spots real programs have.

Each round it parses log lines by hand, scans them with regular expressions, sorts orders with
an expensive key, looks customers up one by one (the N+1 pattern), and computes a checksum
whose cost moves from one line to another as the run goes on, while a background thread
sleeps and wakes up to flush metrics. Run it and record it with Pyrometer.

Runs until interrupted, or for --seconds N. Works on CPython 3.9 and later.
"""
import argparse
import os
import random
import re
import sys
import threading
import time

CUSTOMERS = 400
ORDERS_PER_ROUND = 300
LINES_PER_ROUND = 1500

LEVELS = ("INFO", "INFO", "INFO", "WARN", "ERROR")
PRODUCTS = ("widget", "gadget", "sprocket", "flange", "grommet", "doohickey")


def make_log(rng, count):
    lines = []
    for i in range(count):
        level = rng.choice(LEVELS)
        customer = rng.randrange(CUSTOMERS)
        amount = rng.randrange(100, 100000)
        product = rng.choice(PRODUCTS)
        lines.append(
            f"2026-11-23T10:{i % 60:02d}:{(i * 7) % 60:02d}Z {level} order={i} "
            f"customer=C{customer:05d} product={product} amount={amount / 100:.2f} "
            f"note=\"shipped via route {rng.randrange(1, 40)} in {rng.randrange(1, 9)} days\""
        )
    return lines


def parse_line(line):
    """Hand-written parsing, field by field: the kind of code that quietly dominates."""
    timestamp, level, rest = line.split(" ", 2)
    fields = {}
    for part in rest.split(" "):
        if "=" in part:
            key, _, value = part.partition("=")
            fields[key] = value
    return {
        "time": timestamp,
        "level": level,
        "order": int(fields["order"]),
        "customer": fields["customer"],
        "product": fields["product"],
        "amount": float(fields["amount"]),
    }


def parse_records(lines):
    return [parse_line(line) for line in lines]


ROUTE = re.compile(r"route (\d+) in (\d+) days")
SUSPICIOUS = r"(ERROR|WARN).*customer=C0*(\d+)7\b.*amount=(\d{3,})\."


def find_slow_routes(lines):
    slow = {}
    for line in lines:
        match = ROUTE.search(line)
        if match and int(match.group(2)) > 6:
            slow[match.group(1)] = slow.get(match.group(1), 0) + 1
        # Not precompiled and backtracking-heavy: a typical regex hot spot.
        if re.search(SUSPICIOUS, line):
            slow["suspicious"] = slow.get("suspicious", 0) + 1
    return slow


def order_key(record):
    # An expensive sort key, recomputed for every comparison-free call but still costly.
    return (record["product"].upper(), -round(record["amount"], 1), f"{record['customer']:>12}")


def sort_orders(records):
    return sorted(records, key=order_key)


class CustomerTable:
    """Stands in for a database table: every lookup is a query that scans."""

    def __init__(self, rng):
        self.rows = [
            {"id": f"C{i:05d}", "name": f"Customer {i}", "region": rng.choice(("EU", "US", "APAC"))}
            for i in range(CUSTOMERS)
        ]

    def query_one(self, customer_id):
        for row in self.rows:
            if row["id"] == customer_id:
                return row
        return None


def regions_for(records, table):
    """The N+1 pattern: one query per order instead of one query for all of them."""
    totals = {}
    for record in records[:ORDERS_PER_ROUND]:
        customer = table.query_one(record["customer"])
        region = customer["region"] if customer else "?"
        totals[region] = totals.get(region, 0.0) + record["amount"]
    return totals


def checksum(records, progress):
    """Its cost moves between lines as the run goes on: early on the arithmetic loop is hot,
    later the string hashing. A line-level view shows the shift; a function view cannot."""
    arithmetic_rounds = max(1, int(60 * (1.0 - progress)))
    hashing_rounds = max(1, int(60 * progress))
    total = 0
    for _ in range(arithmetic_rounds):
        total = (total + sum(r["order"] * 31 for r in records[:200])) % 1000003  # arithmetic line
    for _ in range(hashing_rounds):
        total ^= hash("".join(r["customer"] for r in records[:200])) & 0xFFFF  # hashing line
    return total


def metrics_flusher(stop, interval):
    """A background thread that mostly sleeps: idle in a profile unless idle samples are shown."""
    flushed = 0
    while not stop.wait(interval):
        flushed += sum(range(2000))
    return flushed


def run(seconds, quiet):
    rng = random.Random(1234)
    table = CustomerTable(rng)
    stop = threading.Event()
    flusher = threading.Thread(target=metrics_flusher, args=(stop, 0.25), name="metrics-flusher",
                               daemon=True)
    flusher.start()
    seen = set()

    def phase(name):
        if name not in seen and not quiet:
            print(f"phase {name}", flush=True)
        seen.add(name)

    phase("background")
    started = time.monotonic()
    rounds = 0
    try:
        while seconds is None or time.monotonic() - started < seconds:
            progress = 0.5 if seconds is None else min(1.0, (time.monotonic() - started) / seconds)
            if seconds is None:
                # Without an end, the hot line still moves: it swings every 20 seconds.
                progress = ((time.monotonic() - started) % 20.0) / 20.0
            lines = make_log(rng, LINES_PER_ROUND)
            phase("parse")
            records = parse_records(lines)
            phase("regex")
            find_slow_routes(lines)
            phase("sort")
            ordered = sort_orders(records)
            phase("n+1")
            regions_for(ordered, table)
            phase("moving-line")
            checksum(records, progress)
            rounds += 1
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        flusher.join(timeout=1)
    if not quiet:
        print(f"demo: {rounds} rounds in {time.monotonic() - started:.1f} s", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=None,
                        help="stop after this many seconds (default: run until interrupted)")
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)
    if not args.quiet:
        print(f"pyrometer demo running as PID {os.getpid()} on Python {sys.version.split()[0]}",
              flush=True)
    run(args.seconds, args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
