"""Upstream Chinese-CLIP's own training loop, timed: cn_clip.training.train.train()
with get_data() (LMDB, PIL, torchvision), AdamW with upstream's two parameter
groups and cosine_lr, driven the way upstream's main() drives it at world size 1
on the CPU (the same harness as tests/train/upstream_train_reference.py, which
makes the fixtures: `.cuda()` is the identity, gloo with one rank, the model in
a `module` wrapper instead of DDP). Random initial weights (seeded), fp32.

cn_clip is imported as installed (PyPI's `cn_clip` in a PyPI-torch venv) or from
--cn-clip, a folder holding a `cn_clip` package (e.g. a Chinese-CLIP checkout,
or a folder with a link to the venv's cn_clip, so that Debian's python3 with
its torch 1.13 runs the same upstream code).

Prints one JSON object: the time from the start of the script to the end of
every optimizer step (`step_end_s`), the time training started (`train_start_s`),
the torch version and thread count. tests/bench/bench_train_sizes.py turns runs
of different lengths into a time per step."""
import argparse
import json
import os
import sys
import tempfile
import time

T0 = time.perf_counter()
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-data", required=True, help="LMDB folder (pairs/, imgs/) in upstream's layout")
    parser.add_argument("--vision-model", required=True, help="vision model config JSON")
    parser.add_argument("--text-model", required=True, help="text model config JSON")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--num-workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--grad-checkpointing", action="store_true")
    parser.add_argument("--cn-clip", help="folder holding the cn_clip package (default: the installed one)")
    parser.add_argument("--seed", type=int, default=123)
    ns = parser.parse_args()

    if ns.cn_clip:
        sys.path.insert(0, os.path.abspath(ns.cn_clip))
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "train"))
    import upstream_train_reference as harness  # noqa: E402  (stubs for .cuda(), timm, tqdm; args namespace)

    harness.install_stubs()
    import logging

    import torch
    import torch.distributed as dist
    from torch import optim

    import cn_clip.training.data as up_data
    import cn_clip.training.train as up_train
    from cn_clip.clip.model import CLIP
    from cn_clip.training.scheduler import cosine_lr

    torch.set_num_threads(ns.threads)
    logging.getLogger().setLevel(logging.WARNING)  # upstream logs every step at INFO: keep stdout for the JSON
    cfg = {"train_data": os.path.abspath(ns.train_data), "val_data": None,
           "vision_model": os.path.abspath(ns.vision_model), "text_model": os.path.abspath(ns.text_model),
           "batch_size": ns.batch_size, "valid_batch_size": ns.batch_size, "max_steps": ns.steps,
           "warmup": 10, "lr": 5e-4, "beta1": 0.9, "beta2": 0.98, "eps": 1e-6, "wd": 0.2,
           "num_workers": ns.num_workers, "valid_num_workers": 0, "seed": ns.seed, "name": "bench",
           "grad_checkpointing": ns.grad_checkpointing, "log_interval": 1, "report_training_batch_acc": True,
           "skip_aggregate": False}
    args = harness.upstream_args(cfg, os.getcwd())

    with tempfile.NamedTemporaryFile(prefix="gloo-", delete=False) as rendezvous:
        pass
    os.unlink(rendezvous.name)
    dist.init_process_group("gloo", init_method="file://" + rendezvous.name, rank=0, world_size=1)
    resolution = harness.model_info(args.vision_model, args.text_model)["image_resolution"]
    up_data.fetch_resolution = lambda vision_model: resolution

    torch.manual_seed(args.seed)
    model = CLIP(**harness.model_info(args.vision_model, args.text_model))
    if args.grad_checkpointing:
        model.set_grad_checkpointing()
    model = harness.Replica(model)
    data = up_data.get_data(args, epoch_id=0, max_txt_length=args.context_length)
    exclude = lambda n: "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n  # noqa: E731
    named = list(model.named_parameters())
    optimizer = optim.AdamW([{"params": [p for n, p in named if exclude(n) and p.requires_grad], "weight_decay": 0.},
                             {"params": [p for n, p in named if not exclude(n) and p.requires_grad],
                              "weight_decay": args.wd}],
                            lr=args.lr, betas=(args.beta1, args.beta2), eps=args.eps)
    num_batches = data["train"].dataloader.num_batches
    max_epochs = -(-args.max_steps // num_batches)
    scheduler = cosine_lr(optimizer, args.lr, args.warmup, args.max_steps)

    step_end = []
    real_step = optimizer.step

    def step(*a, **k):
        result = real_step(*a, **k)
        step_end.append(time.perf_counter() - T0)
        return result

    optimizer.step = step
    train_start = time.perf_counter() - T0
    global_steps = 0
    for epoch in range(max_epochs):
        global_steps += up_train.train(model, data, epoch, optimizer, None, scheduler, args, global_steps)
        if epoch + 1 < max_epochs:
            data = up_data.get_data(args, epoch_id=epoch + 1, max_txt_length=args.context_length)
    dist.destroy_process_group()
    print(json.dumps({"train_start_s": train_start, "step_end_s": step_end, "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "batches_per_epoch": num_batches}))


if __name__ == "__main__":
    main()
