#!/usr/bin/python3
# Produces tests/fixtures/train_ddp/<name>/expected.json by running UPSTREAM's own
# training code data-parallel: WORLD_SIZE processes (default 2) on the CPU, each
# started like torchrun (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT),
# torch.distributed with Gloo, the model in torch's DistributedDataParallel, and
# upstream's get_data() (padding to batch_size x world size, DistributedSampler),
# train(), evaluate() (its all-reduced validation) and get_loss() (its feature
# all-gather), driven the way upstream's main() drives them. Nothing of upstream is
# copied here: pass the path of a Chinese-CLIP checkout with --upstream or CN_CLIP_SRC.
# Needs Debian's python3 with torch 1.13, torchvision, lmdb, PIL.
#
#   /usr/bin/python3 tests/train/upstream_ddp_reference.py --upstream ~/Chinese-CLIP \
#       tests/fixtures/train_ddp/ws2_accum2/config.json
#
# Writes expected.json next to the config: world_size; per optimizer step rank 0's
# loss, i2t, t2i (as upstream logs them) and lr; the validations as upstream's log
# line prints them plus the unrounded values and num_elements; the final logit scale
# and the L2 norm of every final tensor (the same on every rank).
#
# What differs from upstream's main() under torchrun, and why (the rest as
# upstream_train_reference.py, whose helpers this reuses):
# - .cuda() is the identity and the backend is gloo: there is no GPU; the model is in
#   DistributedDataParallel without device_ids (CPU), find_unused_parameters False, as
#   upstream sets it on torch > 1.8.
# - distillation: the teacher is a cn_clip CLIP loaded from teacher_model_name (as in
#   upstream_train_reference.py), wrapped like upstream's DDP teacher (`.module`);
#   its weights are the same file on every rank, so DDP's initial broadcast is moot.
import argparse
import json
import logging
import os
import re
import socket
import subprocess
import sys
import tempfile
from math import ceil

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import upstream_train_reference as single  # noqa: E402


def parse_command_line():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config", help="clipwb training config (JSON)")
    parser.add_argument("--upstream", default=os.environ.get("CN_CLIP_SRC"),
                        help="Chinese-CLIP source checkout (default: $CN_CLIP_SRC)")
    parser.add_argument("--out", help="output file (default: expected.json next to the config)")
    parser.add_argument("--world-size", type=int, default=2)
    parser.add_argument("--rank", type=int, default=None, help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if not ns.upstream or not os.path.isdir(os.path.join(ns.upstream, "cn_clip")):
        parser.error("--upstream (or CN_CLIP_SRC) must name a Chinese-CLIP checkout holding cn_clip/")
    return ns


def launch(ns):
    """Starts the ranks as torchrun would and waits for them."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []
    for rank in range(ns.world_size):
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(ns.world_size),
                   MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), OMP_NUM_THREADS="1")
        cmd = [sys.executable, os.path.abspath(__file__), ns.config, "--upstream", ns.upstream,
               "--world-size", str(ns.world_size), "--rank", str(rank)]
        if ns.out:
            cmd += ["--out", ns.out]
        procs.append(subprocess.Popen(cmd, env=env))
    codes = [p.wait() for p in procs]
    if any(codes):
        sys.exit(f"a rank failed: exit codes {codes}")


def rank_main(ns):
    sys.path.insert(0, os.path.abspath(ns.upstream))
    single.install_stubs()
    import torch
    import torch.distributed as dist
    from torch import optim

    import cn_clip.training.data as up_data
    import cn_clip.training.train as up_train
    from cn_clip.clip import load
    from cn_clip.clip.model import CLIP, resize_pos_embed
    from cn_clip.training.scheduler import cosine_lr

    torch.set_num_threads(1)
    config_path = os.path.abspath(ns.config)
    with open(config_path) as f:
        cfg = json.load(f)
    args = single.upstream_args(cfg, os.path.dirname(config_path))

    # ---- main(): the process group (env://, as torchrun leaves it)
    dist.init_process_group(backend="gloo")
    args.rank = dist.get_rank()
    args.world_size = dist.get_world_size()
    args.local_device_rank = int(os.environ["LOCAL_RANK"])
    master = args.rank == 0

    resolution = single.model_info(args.vision_model, args.text_model)["image_resolution"]
    up_data.fetch_resolution = lambda vision_model: resolution

    steps, validation = [], []
    last = {}
    real_get_loss = up_train.get_loss

    def get_loss(*a, **k):
        total_loss, acc = real_get_loss(*a, **k)
        last["loss"] = total_loss.item()
        last["i2t"] = acc["i2t"].item()
        last["t2i"] = acc["t2i"].item()
        return total_loss, acc

    up_train.get_loss = get_loss

    # evaluate()'s four all-reduced sums (loss, i2t, t2i, num_elements), for the unrounded values.
    reduced = []

    class DistProxy:
        def __getattr__(self, name):
            return getattr(dist, name)

        @staticmethod
        def all_reduce(tensor, *a, **k):
            out = dist.all_reduce(tensor, *a, **k)
            reduced.append(tensor)
            return out

    up_train.dist = DistProxy()

    class ValidationLog(logging.Handler):
        pattern = re.compile(r"Validation Result \(epoch (\d+) @ (\d+) steps\) \| Valid Loss: ([0-9.]+) \| "
                             r"Image2Text Acc: ([0-9.]+) \| Text2Image Acc: ([0-9.]+)")

        def emit(self, record):
            m = self.pattern.search(record.getMessage())
            if m:
                loss_sum, i2t_sum, t2i_sum, num = reduced[-4:]
                validation.append({"steps": int(m.group(2)), "loss": float(m.group(3)),
                                   "i2t": round(float(m.group(4)) / 100, 6), "t2i": round(float(m.group(5)) / 100, 6),
                                   "loss_exact": (loss_sum / num).item(), "i2t_exact": (i2t_sum / num).item(),
                                   "t2i_exact": (t2i_sum / num).item(), "num_elements": int(num.item())})

    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger().addHandler(ValidationLog())

    # ---- main(): the model, in DistributedDataParallel
    torch.manual_seed(args.seed)
    model = CLIP(**single.model_info(args.vision_model, args.text_model))
    load(model, device="cpu", clip_path=args.clip_weight_path, bert_path=args.bert_weight_path)
    for p in model.parameters():  # convert_models_to_fp32
        p.data = p.data.float()
    if args.grad_checkpointing:
        model.set_grad_checkpointing()
    if args.use_bn_sync:
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    if args.freeze_vision:
        for k, v in model.visual.named_parameters():
            v.requires_grad = False
    model = torch.nn.parallel.DistributedDataParallel(model, find_unused_parameters=False)

    data = up_data.get_data(args, epoch_id=0, max_txt_length=args.context_length)

    exclude = lambda n: "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n  # noqa: E731
    include = lambda n: not exclude(n)  # noqa: E731
    named_parameters = list(model.named_parameters())
    gain_or_bias_params = [p for n, p in named_parameters if exclude(n) and p.requires_grad]
    rest_params = [p for n, p in named_parameters if include(n) and p.requires_grad]
    optimizer = optim.AdamW([{"params": gain_or_bias_params, "weight_decay": 0.},
                             {"params": rest_params, "weight_decay": args.wd}],
                            lr=args.lr, betas=(args.beta1, args.beta2), eps=args.eps)
    num_batches = data["train"].dataloader.num_batches
    if args.max_steps is not None:
        args.max_epochs = ceil(args.max_steps * args.accum_freq / num_batches)
    else:
        args.max_steps = (num_batches // args.accum_freq) * args.max_epochs
    scheduler = cosine_lr(optimizer, args.lr, args.warmup, args.max_steps)

    real_step = optimizer.step

    def step(*a, **k):
        result = real_step(*a, **k)
        steps.append({"loss": last["loss"], "i2t": last["i2t"], "t2i": last["t2i"],
                      "lr": optimizer.param_groups[0]["lr"], "step": len(steps) + 1})
        return result

    optimizer.step = step

    # ---- main(): resume
    start_epoch, global_steps = 0, 0
    if args.resume is not None:
        checkpoint = torch.load(args.resume, map_location="cpu")
        sd = {k: v for k, v in checkpoint["state_dict"].items() if "bert.pooler" not in k}
        resize_pos_embed(sd, model, prefix="module.")
        model.load_state_dict(sd)
        if not args.reset_data_offset:
            start_epoch = checkpoint["epoch"]
            global_steps = checkpoint["step"]
            data = up_data.get_data(args, epoch_id=start_epoch, max_txt_length=args.context_length)
        if not args.reset_optimizer:
            optimizer.load_state_dict(checkpoint["optimizer"])

    # ---- main(): the teacher
    teacher = None
    if args.distillation:
        teacher_model = CLIP(**single.model_info(args.vision_model, args.text_model))
        tsd = torch.load(args.teacher_model_name, map_location="cpu")
        tsd = tsd.get("state_dict", tsd)
        tsd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in tsd.items()
               if "bert.pooler" not in k}
        teacher_model.load_state_dict(tsd)
        for v in teacher_model.parameters():
            v.requires_grad = False
        teacher_model.eval()
        teacher_model.get_feature = teacher_model.encode_image
        teacher = single.Replica(teacher_model)

    # ---- main(): the epochs
    for epoch in range(start_epoch, args.max_epochs):
        if args.distillation:
            n = up_train.train(model, data, epoch, optimizer, None, scheduler, args, global_steps, teacher)
        else:
            n = up_train.train(model, data, epoch, optimizer, None, scheduler, args, global_steps)
        global_steps += n
        if args.val_data is not None and args.valid_epoch_interval is not None and \
                (epoch + 1) % args.valid_epoch_interval == 0:
            up_train.evaluate(model, data, epoch, args, global_steps)
        if epoch + 1 < args.max_epochs:
            data = up_data.get_data(args, epoch_id=epoch + 1, max_txt_length=args.context_length)

    state = model.state_dict()
    if master:
        expected = {
            "world_size": args.world_size,
            "steps": steps,
            "validation": validation,
            "final_param_norms": {k[len("module."):]: v.float().norm().item() for k, v in state.items()},
            "final_logit_scale": state["module.logit_scale"].item(),
            "produced_by": "upstream Chinese-CLIP main() flow, DistributedDataParallel on "
                           f"{args.world_size} gloo processes, via tests/train/upstream_ddp_reference.py, "
                           "torch " + torch.__version__ + ", CPU fp32",
        }
        out = ns.out or os.path.join(os.path.dirname(config_path), "expected.json")
        with open(out, "w") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")
        print(f"{out}: {len(steps)} steps, {len(validation)} validations, first loss {steps[0]['loss']:.6f}, "
              f"last loss {steps[-1]['loss']:.6f}")
    dist.barrier()
    dist.destroy_process_group()


def main():
    ns = parse_command_line()
    if ns.rank is None:
        launch(ns)
    else:
        rank_main(ns)


if __name__ == "__main__":
    main()
