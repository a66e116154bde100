#!/usr/bin/python3
"""CPU training speed at three model sizes: `clipwb-cli train` against upstream
Chinese-CLIP's own train() (tests/bench/upstream_train_bench.py) on two PyTorch
builds, all measured in the same run:

  clipwb    clipwb-cli train (this build's LibTorch)
  up-1.13   upstream's cn_clip code on Debian's PyTorch 1.13 (/usr/bin/python3)
  up-pypi   upstream's cn_clip package from PyPI on PyPI's PyTorch 2.x (a venv)

Sizes: tiny (Tiny-ViT + Tiny-BERT, batch 32), mid (ViT 6 x 384 at 128 px +
BERT 4 x 256, batch 32), base (ViT-B-16 + RoBERTa-wwm-ext-base, batch 8). Same
LMDB (the reference fixture), fp32, the same compute threads and loader workers.

Time per step from runs of two lengths: (wall(long) - wall(short)) / (steps
difference), which removes start-up (imports, model construction, the first
steps' warm-up, the final checkpoint) without trusting any program's own clock.
The systems alternate in every round (their order rotates) and the figures are
medians over the rounds; each program's own median step time is printed too.
Only the Python standard library is used here; run it with `nice -n 10` on a
shared machine and quote the load it prints. tests/bench/cpu_train/run.sh sets
up the PyPI venv and calls this.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(SOURCE, "tests", "fixtures")

SIZES = {
    # name: (vision config, text config, batch, short run, long run)
    "tiny": (os.path.join(FIXTURES, "model_configs", "Tiny-ViT.json"),
             os.path.join(FIXTURES, "model_configs", "Tiny-BERT.json"), 32, 4, 12),
    "mid": (os.path.join(HERE, "model_configs", "Mid-ViT.json"),
            os.path.join(HERE, "model_configs", "Mid-BERT.json"), 32, 2, 6),
    "base": (os.path.join(FIXTURES, "model_configs", "ViT-B-16.json"),
             os.path.join(FIXTURES, "model_configs", "RoBERTa-wwm-ext-base-chinese.json"), 8, 1, 3),
}


def children_cpu_s():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd, env):
    """Runs cmd; returns (completed process, wall s, CPU s of it and its descendants)."""
    cpu = children_cpu_s()
    start = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p, time.perf_counter() - start, children_cpu_s() - cpu


def run_clipwb(cli, size, steps, ns, scratch):
    vision, text, batch = SIZES[size][:3]
    logs = tempfile.mkdtemp(dir=scratch)
    # A cache folder of this bench's own: the matrix-product choices are measured once per size by the
    # untimed first run (main()), not in the timed runs and not taken from the user's earlier runs.
    env = dict(os.environ, OMP_NUM_THREADS=str(ns.threads), MKL_NUM_THREADS=str(ns.threads),
               CLIPWB_CACHE_DIR=os.path.join(scratch, "cache"))
    cmd = [cli, "train", "--train-data", ns.train_data, "--vision-model", vision, "--text-model", text,
           "--batch-size", str(batch), "--max-steps", str(steps), "--warmup", "10", "--lr", "5e-4",
           "--precision", "fp32", "--num-workers", str(ns.workers), "--device", "cpu", "--logs", logs,
           "--name", "bench", "--log-interval", "1", "--report-training-batch-acc", "--save-epoch-frequency", "0"]
    p, wall, cpu = timed(cmd, env)
    if p.returncode != 0:
        raise RuntimeError("clipwb-cli train failed: " + p.stderr[-2000:])
    steps_s = []
    with open(os.path.join(logs, "bench", "metrics.jsonl")) as f:
        for line in f:
            j = json.loads(line)
            if j.get("type") == "train":
                steps_s.append(j["step_time_s"])
    shutil.rmtree(logs, ignore_errors=True)  # base-size checkpoints are 2 GB each
    return wall, cpu, steps_s[1:]


def run_upstream(python, cn_clip_dir, size, steps, ns):
    vision, text, batch = SIZES[size][:3]
    cmd = [python, os.path.join(HERE, "upstream_train_bench.py"), "--train-data", ns.train_data,
           "--vision-model", vision, "--text-model", text, "--batch-size", str(batch), "--steps", str(steps),
           "--num-workers", str(ns.workers), "--threads", str(ns.threads)]
    if cn_clip_dir:
        cmd += ["--cn-clip", cn_clip_dir]
    env = dict(os.environ, OMP_NUM_THREADS=str(ns.threads), MKL_NUM_THREADS=str(ns.threads))
    p, wall, cpu = timed(cmd, env)
    if p.returncode != 0:
        raise RuntimeError(python + " upstream_train_bench.py failed: " + p.stderr[-2000:])
    j = json.loads(p.stdout.strip().splitlines()[-1])
    ends = j["step_end_s"]
    return wall, cpu, [b - a for a, b in zip(ends, ends[1:])]


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clipwb-cli", default=os.path.join(SOURCE, "build", "bin", "clipwb-cli"))
    parser.add_argument("--torch2-python", help="python of a venv with PyPI's torch 2.x and cn_clip "
                                                "(tests/bench/cpu_train/run.sh makes one)")
    parser.add_argument("--debian-python", default="/usr/bin/python3")
    parser.add_argument("--sizes", default="tiny,mid,base")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--steps", help="override the run lengths of every size: SHORT,LONG")
    parser.add_argument("--systems", default="clipwb,up-1.13,up-pypi")
    parser.add_argument("--train-data", default=os.path.join(FIXTURES, "lmdb", "lmdb", "train"))
    parser.add_argument("--json", help="append one JSON line per size here")
    ns = parser.parse_args()

    systems = ns.systems.split(",")
    scratch = tempfile.mkdtemp(prefix="clipwb-bench-")
    cn_clip_dir = None
    if "up-pypi" in systems or "up-1.13" in systems:
        if not ns.torch2_python or not os.access(ns.torch2_python, os.X_OK):
            sys.exit("--torch2-python (a venv with torch 2.x and cn_clip) is needed for the upstream baselines")
        # Debian's python3 runs the very same upstream package: a folder holding only a link to it.
        where = subprocess.run([ns.torch2_python, "-c", "import cn_clip, os; print(os.path.dirname(cn_clip.__file__))"],
                               stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
        cn_clip_dir = os.path.join(scratch, "cn_clip_link")
        os.makedirs(cn_clip_dir)
        os.symlink(where, os.path.join(cn_clip_dir, "cn_clip"))

    runners = {
        "clipwb": lambda size, steps: run_clipwb(ns.clipwb_cli, size, steps, ns, scratch),
        "up-1.13": lambda size, steps: run_upstream(ns.debian_python, cn_clip_dir, size, steps, ns),
        "up-pypi": lambda size, steps: run_upstream(ns.torch2_python, None, size, steps, ns),
    }
    print(f"# {ns.threads} compute thread(s), {ns.workers} loader worker(s), {ns.rounds} rounds, "
          f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.1f}", flush=True)
    for size in ns.sizes.split(","):
        short, long_ = (int(x) for x in ns.steps.split(",")) if ns.steps else SIZES[size][3:]
        per_step = {s: [] for s in systems}
        cpu_per_step = {s: [] for s in systems}
        own = {s: [] for s in systems}
        startup = {s: [] for s in systems}
        loads = []
        if "clipwb" in systems:
            wall, cpu, _ = runners["clipwb"](size, 1)
            print(f"{size}: clipwb's first run (1 step, measures its matrix-product choices): {wall:.1f} s wall, "
                  f"{cpu:.1f} s CPU", flush=True)
        for r in range(ns.rounds):
            order = systems[r % len(systems):] + systems[:r % len(systems)]
            walls = {s: {} for s in systems}
            cpus = {s: {} for s in systems}
            for steps in (short, long_):
                for s in order:
                    loads.append(os.getloadavg()[0])
                    wall, cpu, step_times = runners[s](size, steps)
                    walls[s][steps] = wall
                    cpus[s][steps] = cpu
                    if steps == long_:
                        own[s].append(median(step_times))
                    print(f"{size} round {r + 1} {s} {steps} steps: {wall:.2f} s wall, {cpu:.2f} s CPU, own median step "
                          f"{median(step_times):.3f} s, load {os.getloadavg()[0]:.1f}", flush=True)
            for s in systems:
                t = (walls[s][long_] - walls[s][short]) / (long_ - short)
                per_step[s].append(t)
                cpu_per_step[s].append((cpus[s][long_] - cpus[s][short]) / (long_ - short))
                startup[s].append(walls[s][short] - short * t)
            line = ", ".join(f"{s} {per_step[s][-1]:.3f} s" for s in systems)
            print(f"{size} round {r + 1} per step: {line}", flush=True)
        result = {"size": size, "batch": SIZES[size][2], "threads": ns.threads, "workers": ns.workers,
                  "rounds": ns.rounds, "steps": [short, long_],
                  "load_average_median": round(median(loads), 2), "load_average_range": [min(loads), max(loads)],
                  "per_step_s": {s: median(per_step[s]) for s in systems},
                  "per_step_rounds_s": per_step, "cpu_per_step_s": {s: median(cpu_per_step[s]) for s in systems}, "own_median_step_s": {s: median(own[s]) for s in systems},
                  "startup_s": {s: median(startup[s]) for s in systems}}
        if "clipwb" in systems:
            ours = result["per_step_s"]["clipwb"]
            for s in systems:
                if s == "clipwb":
                    continue
                rounds = [b / a for a, b in zip(per_step["clipwb"], per_step[s])]
                result["speedup_vs_" + s] = result["per_step_s"][s] / ours
                result["speedup_rounds_vs_" + s] = rounds
                cpu_ratio = median(cpu_per_step[s]) / median(cpu_per_step["clipwb"])
                result["cpu_speedup_vs_" + s] = cpu_ratio
                print(f"== {size} (batch {SIZES[size][2]}): clipwb {ours:.3f} s/step vs {s} "
                      f"{result['per_step_s'][s]:.3f} s/step: {result['per_step_s'][s] / ours:.2f}x "
                      f"(rounds {min(rounds):.2f}-{max(rounds):.2f}x; own clocks {own['clipwb'] and median(own['clipwb']):.3f} "
                      f"vs {median(own[s]):.3f} s; start-up {result['startup_s']['clipwb']:.1f} vs "
                      f"{result['startup_s'][s]:.1f} s; CPU time per step {median(cpu_per_step['clipwb']):.2f} vs "
                      f"{median(cpu_per_step[s]):.2f} s, {cpu_ratio:.2f}x; load {result['load_average_median']})",
                      flush=True)
        if ns.json:
            with open(ns.json, "a") as f:
                f.write(json.dumps(result) + "\n")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
