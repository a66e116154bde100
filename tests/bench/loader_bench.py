#!/usr/bin/python3
"""Data loader benchmark: clipwb against upstream Chinese-CLIP's LMDBDataset, in the same run.

usage: /usr/bin/python3 tests/bench/loader_bench.py [--cli build/bin/clipwb-cli] [--split DIR]
       [--images 2000] [--image-size 224] [--resolution 224] [--samples 2000] [--batch-size 32]

Without --split it generates an LMDB split in upstream's format (JPEG images of --image-size,
quality 95, smooth random content; pickled (image_id, text_id, text) pairs) in a temporary folder.
The baseline is upstream's LMDBDataset.__getitem__ (pickle, base64.urlsafe_b64decode, PIL open,
torchvision Resize((R, R), BICUBIC), convert RGB, ToTensor, Normalize) without its tokenizer
(cn_clip is not installed): once in one thread, then through torch's DataLoader with
num_workers 0, 1 and 2 and upstream's sampler. clipwb's loader figures include tokenisation, so
the loader ratios are conservative. Needs Debian's python3-torch, -torchvision, -pil, -lmdb.
"""
import argparse
import base64
import io
import json
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time

import lmdb
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import Compose, InterpolationMode, Normalize, Resize, ToTensor

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def convert_to_rgb(image):
    return image.convert("RGB")


def make_split(folder, count, size, seed=0):
    rng = random.Random(seed)
    os.makedirs(os.path.join(folder, "imgs"))
    os.makedirs(os.path.join(folder, "pairs"))
    env_imgs = lmdb.open(os.path.join(folder, "imgs"), map_size=1 << 34)
    env_pairs = lmdb.open(os.path.join(folder, "pairs"), map_size=1 << 34)
    with env_imgs.begin(write=True) as txn_imgs, env_pairs.begin(write=True) as txn_pairs:
        for i in range(count):
            small = Image.frombytes("RGB", (8, 8), bytes(rng.getrandbits(8) for _ in range(8 * 8 * 3)))
            image = small.resize((size, size), Image.BICUBIC)
            noise = Image.frombytes("RGB", (size, size), os.urandom(size * size * 3))
            image = Image.blend(image, noise, 0.15)
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=95)
            image_id = 100000 + i
            txn_imgs.put(str(image_id).encode(), base64.urlsafe_b64encode(buffer.getvalue()))
            text = "一张第%d号的测试图片，有红色和蓝色的形状" % i
            txn_pairs.put(str(i).encode(), pickle.dumps((image_id, 5000 + i, text), protocol=4))
        txn_imgs.put(b"num_images", str(count).encode())
        txn_pairs.put(b"num_samples", str(count).encode())
    env_imgs.close()
    env_pairs.close()


class UpstreamLmdbDataset(Dataset):
    """cn_clip.training.data.LMDBDataset.__getitem__ without the tokenizer."""

    def __init__(self, split, resolution):
        self.split = split
        self.env_pairs = None
        self.env_imgs = None
        env = lmdb.open(os.path.join(split, "pairs"), readonly=True, create=False, lock=False,
                        readahead=False, meminit=False)
        with env.begin(buffers=True) as txn:
            self.number_samples = int(txn.get(b"num_samples").tobytes().decode("utf-8"))
        env.close()
        self.transform = Compose([
            Resize((resolution, resolution), interpolation=InterpolationMode.BICUBIC),
            convert_to_rgb,
            ToTensor(),
            Normalize(MEAN, STD),
        ])

    def _open(self):
        # upstream opens its environments in __init__; opening lazily lets worker processes fork.
        self.env_pairs = lmdb.open(os.path.join(self.split, "pairs"), readonly=True, create=False,
                                   lock=False, readahead=False, meminit=False)
        self.txn_pairs = self.env_pairs.begin(buffers=True)
        self.env_imgs = lmdb.open(os.path.join(self.split, "imgs"), readonly=True, create=False,
                                  lock=False, readahead=False, meminit=False)
        self.txn_imgs = self.env_imgs.begin(buffers=True)

    def __len__(self):
        return self.number_samples

    def __getitem__(self, index):
        if self.env_pairs is None:
            self._open()
        sample_index = index % self.number_samples
        pair = pickle.loads(self.txn_pairs.get("{}".format(sample_index).encode("utf-8")).tobytes())
        image_id, text_id, raw_text = pair
        image_b64 = self.txn_imgs.get("{}".format(image_id).encode("utf-8")).tobytes()
        image_b64 = image_b64.decode(encoding="utf8", errors="ignore")
        image = Image.open(io.BytesIO(base64.urlsafe_b64decode(image_b64)))
        image = self.transform(image)
        return image, sample_index


def bench_python(split, resolution, samples, batch_size, workers_list):
    results = []
    dataset = UpstreamLmdbDataset(split, resolution)
    for i in range(16):  # warm-up
        dataset[i]
    start, cpu_start = time.perf_counter(), time.thread_time()
    for i in range(samples):
        dataset[i % len(dataset)]
    results.append(("decode+preprocess (1 thread)", -1, samples, time.perf_counter() - start,
                    time.thread_time() - cpu_start))
    for workers in workers_list:
        generator = torch.Generator()
        generator.manual_seed(0)
        loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers,
                            sampler=torch.utils.data.RandomSampler(dataset, generator=generator),
                            drop_last=True, persistent_workers=workers > 0)
        count = 0
        iterator = iter(loader)
        next(iterator)  # warm-up: workers started
        start, cpu_start = time.perf_counter(), time.process_time()
        while count < samples:
            try:
                images, _ = next(iterator)
            except StopIteration:
                iterator = iter(loader)
                continue
            count += images.shape[0]
        # Worker processes' CPU time is not visible here: CPU figures only without workers.
        cpu = time.process_time() - cpu_start if workers == 0 else None
        results.append(("DataLoader num_workers=%d" % workers, workers, count, time.perf_counter() - start, cpu))
        del iterator, loader
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--cli", default=os.path.join(root, "build", "bin", "clipwb-cli"))
    parser.add_argument("--split")
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--resolution", type=int, default=224)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--workers", default="0,1,2")
    args = parser.parse_args()
    torch.set_num_threads(1)
    workers = [int(w) for w in args.workers.split(",")]

    with tempfile.TemporaryDirectory() as temp:
        split = args.split
        if not split:
            split = os.path.join(temp, "bench")
            print("generating %d %dx%d JPEGs in %s ..." % (args.images, args.image_size, args.image_size, split),
                  file=sys.stderr)
            make_split(split, args.images, args.image_size)
        clipwb = subprocess.run([args.cli, "dataset", "bench", split, "--resolution", str(args.resolution),
                                 "--samples", str(args.samples), "--workers", args.workers,
                                 "--batch-size", str(args.batch_size), "--json"],
                                check=True, stdout=subprocess.PIPE, text=True)
        ours = {r["name"]: r for r in map(json.loads, clipwb.stdout.splitlines())}
        upstream = bench_python(split, args.resolution, args.samples, args.batch_size, workers)

    print("resolution %d, %d samples per measurement, images %s" % (
        args.resolution, args.samples, args.split or "%dx%d JPEG" % (args.image_size, args.image_size)))
    print("samples per wall-clock second, and per CPU second of the measuring thread (1 thread) or")
    print("process (num_workers=0; with workers upstream's CPU time is in other processes)")
    print("%-32s %12s %12s %7s | %12s %12s %7s" % ("measurement", "upstream/s", "clipwb/s", "ratio",
                                                  "upstream/cpu", "clipwb/cpu", "ratio"))
    for name, _, count, seconds, cpu in upstream:
        theirs = count / seconds
        mine = ours[name]["samples_per_second"]
        line = "%-32s %12.1f %12.1f %6.2fx" % (name, theirs, mine, mine / theirs)
        if cpu:
            theirs_cpu = count / cpu
            mine_cpu = ours[name]["samples"] / ours[name]["cpu_seconds"]
            line += " | %12.1f %12.1f %6.2fx" % (theirs_cpu, mine_cpu, mine_cpu / theirs_cpu)
        print(line)


if __name__ == "__main__":
    main()
