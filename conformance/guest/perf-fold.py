#!/usr/bin/env python3
"""Where a guest perf profile's samples went, by call stack (the bench's BENCH_PERF writes
perf-SERVER-PHASE.script.gz beside each report):

  perf-fold.py RUN/perf-nacre-stat.script.gz [--thread REGEX] [--top N] [--folded OUT]

For the threads whose name matches REGEX (default: every thread but the idle task), prints the share of
their samples in the kernel and in user mode, the symbols by self samples, and by inclusive samples (a
symbol counted once per sample however often it recurs), with Java methods shortened to Class.method.
--folded writes one line per distinct stack ("frame;frame;... count", outermost first), the input of
flame graph tools.
"""
import argparse
import collections
import gzip
import re
import sys

JAVA = re.compile(r"^(?:\S+ )?([\w$.<>]+)\(.*\)$")  # "ret pkg.Class.method(args)" from the JVM's perf map


def short(sym, dso):
    if sym in ("", "[unknown]"):
        return "[" + dso.rsplit("/", 1)[-1] + "]"
    m = JAVA.match(sym)
    if m and "." in m.group(1):
        parts = m.group(1).split(".")
        return ".".join(parts[-2:])  # Class.method
    return sym


def samples(path):
    """Yields (thread name, [frames innermost first]) per sample."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", errors="replace") as f:
        comm, frames = None, []
        for line in f:
            if not line.strip():
                if comm is not None:
                    yield comm, frames
                comm, frames = None, []
                continue
            if not line[0].isspace():
                if comm is not None:
                    yield comm, frames
                comm = re.sub(r"\s+\d+\s*$", "", line.rstrip())  # drop the tid
                frames = []
                continue
            parts = line.strip().split(None, 1)
            rest = parts[1] if len(parts) > 1 else ""
            m = re.match(r"^(.*?)\s*\(([^()]*)\)$", rest)
            sym, dso = (m.group(1), m.group(2)) if m else (rest, "")
            sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
            frames.append((short(sym, dso), "kernel" in dso))
        if comm is not None:
            yield comm, frames


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("script")
    ap.add_argument("--thread", default=None)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--folded")
    a = ap.parse_args()
    want = re.compile(a.thread) if a.thread else None
    total = 0
    kernel = 0
    self_ = collections.Counter()
    incl = collections.Counter()
    folded = collections.Counter()
    threads = collections.Counter()
    for comm, frames in samples(a.script):
        if want is None and comm.startswith("swapper"):
            continue
        if want is not None and not want.search(comm):
            continue
        total += 1
        threads[comm] += 1
        if not frames:
            continue
        if frames[0][1]:
            kernel += 1
        self_[frames[0][0]] += 1
        for name in {f[0] for f in frames}:
            incl[name] += 1
        folded[";".join(f[0] for f in reversed(frames))] += 1
    if not total:
        sys.exit("no samples of such threads")
    print("%d samples; in the kernel %.1f%%, user mode %.1f%%" % (total, 100.0 * kernel / total,
                                                                 100.0 * (total - kernel) / total))
    print("threads: " + ", ".join("%s %.1f%%" % (t, 100.0 * n / total) for t, n in threads.most_common(8)))
    for title, c in (("self", self_), ("inclusive", incl)):
        print("\n== by %s samples" % title)
        for name, n in c.most_common(a.top):
            print("  %5.1f%%  %s" % (100.0 * n / total, name[:150]))
    if a.folded:
        with open(a.folded, "w") as out:
            for stack, n in folded.most_common():
                out.write("%s %d\n" % (stack, n))


if __name__ == "__main__":
    main()
