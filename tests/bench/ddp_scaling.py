#!/usr/bin/python3
# Data-parallel scaling on the CPU: the same global batch trained by
#   A) one process with 2 compute threads (clipwb-cli train, batch 2B), and
#   B) two ranks with 1 thread each (clipwb-cli train --nproc-per-node 2, batch B
#      per rank, c10d Gloo over loopback),
# on the reference LMDB with Tiny-ViT + Tiny-BERT, fp32, one loader worker per
# process. Figures: the median step time after warm-up (rank 0's step_time_s in
# metrics.jsonl, which includes waiting for the other rank), alternating A and B
# for several rounds; B/A speed ratio per round and the median. Not a test: run
#   /usr/bin/python3 tests/bench/ddp_scaling.py --cli build/bin/clipwb-cli [--rounds 3]
import argparse
import json
import os
import statistics
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")


def config(tmp, batch, steps):
    cfg = {
        "train_data": os.path.abspath(os.path.join(FIXTURES, "lmdb/lmdb/train")),
        "val_data": None,
        "vision_model": os.path.abspath(os.path.join(FIXTURES, "model_configs/Tiny-ViT.json")),
        "text_model": os.path.abspath(os.path.join(FIXTURES, "model_configs/Tiny-BERT.json")),
        "resume": os.path.abspath(os.path.join(FIXTURES, "model/init.pt")),
        "reset_data_offset": True, "reset_optimizer": True,
        "batch_size": batch, "max_steps": steps, "warmup": 2, "lr": 3e-4,
        "num_workers": 1, "precision": "fp32", "log_interval": 1000,
        "save_epoch_frequency": 1000, "save_step_frequency": -1, "logs": tmp, "name": "bench",
        "device": "cpu", "seed": 1,
    }
    path = os.path.join(tmp, "config.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def run(cli, tmp, batch, steps, ranks, threads):
    cfg = config(tmp, batch, steps)
    cmd = [cli, "train", "--config", cfg]
    if ranks > 1:
        cmd += ["--nproc-per-node", str(ranks)]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    subprocess.run(cmd, env=env, check=True, stderr=subprocess.DEVNULL)
    times = []
    with open(os.path.join(tmp, "bench", "metrics.jsonl")) as f:
        for line in f:
            record = json.loads(line)
            if record.get("type") == "train":
                times.append(record["step_time_s"])
    return statistics.median(times[3:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", default="build/bin/clipwb-cli")
    parser.add_argument("--global-batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    ns = parser.parse_args()
    one, two, ratios = [], [], []
    for r in range(ns.rounds):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            ta = run(ns.cli, a, ns.global_batch, ns.steps, 1, 2)
            tb = run(ns.cli, b, ns.global_batch // 2, ns.steps, 2, 1)
        one.append(ta)
        two.append(tb)
        ratios.append(ta / tb)
        print(f"round {r + 1}: 1 rank x 2 threads {ta * 1000:.1f} ms/step, "
              f"2 ranks x 1 thread {tb * 1000:.1f} ms/step, speed ratio {ta / tb:.2f}x", flush=True)
    print(json.dumps({"global_batch": ns.global_batch, "one_rank_two_threads_ms": statistics.median(one) * 1000,
                      "two_ranks_one_thread_ms": statistics.median(two) * 1000,
                      "median_ratio": statistics.median(ratios)}))


if __name__ == "__main__":
    main()
