#!/usr/bin/env python3
"""Benchmark: parse a generated 10,000-line config with ags and with Python's
tomllib in the same run, and print the ratio (goal: ags at least 20x faster).

usage: tools/bench-config.py [BUILD_DIR]   (default: build; use a non-sanitizer build)

Two figures are printed: in-process parse time (ags's toml_parse and its full
config decoding vs tomllib.loads, medians), and whole-process wall time of
`ags config show --config FILE` vs `python3 -c 'tomllib.load(...)'`.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

RUNS = 21


def generate(path, lines=10000):
    out = ['[sandbox]', 'image = "localhost/ags-sandbox:latest"',
           'passthrough_env = ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]', '']
    i = 0
    while len(out) < lines - 6:
        out += ['[[mount]]', 'host = "/srv/data/project-%05d"' % i,
                'container = "/data/p%05d"' % i, 'mode = "%s"' % ("ro" if i % 2 else "rw"),
                'optional = true  # generated', '']
        i += 1
    with open(path, "w") as f:
        f.write("\n".join(out[:lines]) + "\n")
    return len(out[:lines])


def median_wall(cmd, runs=RUNS):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.toml")
        n = generate(path)
        data = open(path, "rb").read()
        out = subprocess.run([os.path.join(build, "tests", "config-bench"), path, str(RUNS)],
                             check=True, capture_output=True, text=True).stdout
        figures = dict(line.split() for line in out.splitlines())
        ags_parse = float(figures["toml_parse_ms"])
        ags_full = float(figures["config_load_ms"])
        py = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            tomllib.loads(data.decode())
            py.append((time.perf_counter() - t0) * 1e3)
        py_parse = statistics.median(py)
        env = dict(os.environ, HOME=tmp)
        ags_cmd = [os.path.join(build, "ags"), "config", "show", "--config", path]
        subprocess.run(ags_cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        ags_wall = median_wall(ags_cmd)
        py_wall = median_wall([sys.executable, "-c",
                               "import tomllib,sys; tomllib.load(open(sys.argv[1],'rb'))", path])
        print("config: %d lines, %d bytes, %d runs each (medians)" % (n, len(data), RUNS))
        print("in-process: ags toml_parse %.2f ms, ags full config load %.2f ms, "
              "python tomllib %.2f ms" % (ags_parse, ags_full, py_parse))
        print("in-process ratio (tomllib / ags parse): %.1fx; (tomllib / ags full load): %.1fx"
              % (py_parse / ags_parse, py_parse / ags_full))
        print("whole process: ags config show %.2f ms, python3 tomllib %.2f ms, ratio %.1fx"
              % (ags_wall, py_wall, py_wall / ags_wall))


if __name__ == "__main__":
    main()
