#!/usr/bin/python3
# Produces tests/fixtures/train/<name>/expected.json by running UPSTREAM's own
# training code (cn_clip.training.train.train() and evaluate(), get_data(),
# cosine_lr, cn_clip.clip.load and CLIP) on the CPU, world size 1, driven the way
# upstream's main() drives it. Nothing of upstream is copied here: pass the path
# of a Chinese-CLIP checkout (github OFA-Sys/Chinese-CLIP) with --upstream or
# CN_CLIP_SRC. Needs Debian's python3 with torch 1.13, torchvision, lmdb, PIL.
#
#   /usr/bin/python3 tests/train/upstream_train_reference.py --upstream ~/Chinese-CLIP \
#       tests/fixtures/train/fp32_bs4/config.json
#
# config.json is a clipwb training config (upstream's argument names, paths
# relative to the file). Writes expected.json next to it: per optimizer step
# loss, i2t, t2i and lr (upstream's values at full precision), the validation
# results as upstream's log line prints them, the final logit scale and the L2
# norm of every tensor of the final state dict.
#
# What differs from running upstream's main() with torchrun, and why:
# - .cuda() is the identity and the process group is gloo with one rank: there is
#   no GPU; with one rank the DDP all-reduce is the identity, so the model is
#   wrapped in a plain module named `module` (same parameter and key names).
# - vision/text model configs are JSON files rather than names of upstream's
#   bundled configs (fetch_resolution reads the given file).
# - timm (use_augment only) and tqdm (unused by train()) are stubbed when missing.
# - distillation: upstream only loads ModelScope teachers (not reachable here);
#   the teacher is a cn_clip CLIP loaded from the checkpoint teacher_model_name
#   names, with get_feature = encode_image, as clipwb's trainer does it.
# - torch.manual_seed(seed) before the model is built, so the initial weights
#   that no file provides (text_projection with clip/bert_weight_path) are
#   reproducible; upstream leaves them to an unseeded generator.
import argparse
import json
import logging
import os
import re
import sys
import tempfile
import types
from math import ceil


def parse_command_line(add_arguments=None):
    """The reference scripts' command line: the config, --upstream, --out, and what
    add_arguments(parser) adds (this script's own when None)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config", help="clipwb training config (JSON)")
    parser.add_argument("--upstream", default=os.environ.get("CN_CLIP_SRC"),
                        help="Chinese-CLIP source checkout (default: $CN_CLIP_SRC)")
    parser.add_argument("--out", help="output file (default: expected.json next to the config)")
    if add_arguments is None:
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument("--save-final", help="also torch.save the final checkpoint here")
    else:
        add_arguments(parser)
    ns = parser.parse_args()
    if not ns.upstream or not os.path.isdir(os.path.join(ns.upstream, "cn_clip")):
        parser.error("--upstream (or CN_CLIP_SRC) must name a Chinese-CLIP checkout holding cn_clip/")
    return ns


def resolve(base, path):
    if path is None or os.path.isabs(path):
        return path
    return os.path.normpath(os.path.join(base, path))


def upstream_args(cfg, base):
    """An argparse namespace as upstream's parse_args() + main() leave it (world size 1)."""
    defaults = {
        "num_workers": 0, "valid_num_workers": 0, "log_interval": 1, "report_training_batch_acc": True,
        "valid_step_interval": None, "valid_epoch_interval": None, "max_steps": None, "max_epochs": None,
        "context_length": 52, "wd": 0.2, "warmup": 500, "use_bn_sync": False, "use_augment": False,
        "skip_scheduler": False, "save_epoch_frequency": 1, "save_step_frequency": -1, "resume": None,
        "reset_optimizer": False, "reset_data_offset": False, "precision": "fp32", "mask_ratio": 0,
        "clip_weight_path": None, "bert_weight_path": None, "freeze_vision": False, "grad_checkpointing": False,
        "use_flash_attention": False, "accum_freq": 1, "gather_with_grad": False, "skip_aggregate": False,
        "debug": False, "seed": 123, "distillation": False, "teacher_model_name": None, "kd_loss_weight": 0.5,
    }
    merged = dict(defaults)
    merged.update(cfg)
    args = types.SimpleNamespace(**merged)
    for key in ["train_data", "val_data", "vision_model", "text_model", "resume", "clip_weight_path",
                "bert_weight_path", "teacher_model_name"]:
        setattr(args, key, resolve(base, getattr(args, key, None)))
    assert args.precision == "fp32", "CPU references are fp32"
    args.aggregate = not args.skip_aggregate
    args.local_device_rank = 0
    args.rank = 0
    args.world_size = 1
    args.logs = tempfile.mkdtemp(prefix="upstream-train-")
    args.checkpoint_path = os.path.join(args.logs, args.name, "checkpoints")
    os.makedirs(args.checkpoint_path, exist_ok=True)
    args.should_save = False  # checkpoints are not compared; the final state is taken from memory
    return args


def install_stubs():
    import torch
    import torch.nn as nn
    torch.Tensor.cuda = lambda self, *a, **k: self
    nn.Module.cuda = lambda self, *a, **k: self
    try:
        import timm.data  # noqa: F401
    except ImportError:
        timm = types.ModuleType("timm")
        timm_data = types.ModuleType("timm.data")

        def create_transform(*a, **k):
            raise RuntimeError("use_augment needs timm")

        timm_data.create_transform = create_transform
        timm.data = timm_data
        sys.modules["timm"] = timm
        sys.modules["timm.data"] = timm_data
    try:
        import tqdm  # noqa: F401  (imported by train.py, not used by train())
    except ImportError:
        tqdm = types.ModuleType("tqdm")
        tqdm.tqdm = lambda iterable=None, *a, **k: iterable
        sys.modules["tqdm"] = tqdm


def model_info(vision_json, text_json):
    with open(vision_json) as fv, open(text_json) as ft:
        info = json.load(fv)
        if isinstance(info["vision_layers"], str):
            info["vision_layers"] = json.loads(info["vision_layers"])
        info.update(json.load(ft))
    info["use_flash_attention"] = False
    return info


class Replica(__import__("torch").nn.Module):
    """DistributedDataParallel with one rank, minus the communication: `module.` names."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)


VALIDATION_LINE = re.compile(r"Validation Result \(epoch (\d+) @ (\d+) steps\) \| Valid Loss: ([0-9.]+) \| "
                             r"Image2Text Acc: ([0-9.]+) \| Text2Image Acc: ([0-9.]+)")


def record_validations(validation, extra=lambda: {}):
    """Appends each validation upstream's evaluate() logs to `validation`, as its log line prints it
    (accuracies as fractions), plus what extra() returns for it."""

    class ValidationLog(logging.Handler):
        def emit(self, record):
            m = VALIDATION_LINE.search(record.getMessage())
            if m:
                validation.append({"steps": int(m.group(2)), "loss": float(m.group(3)),
                                   "i2t": round(float(m.group(4)) / 100, 6),
                                   "t2i": round(float(m.group(5)) / 100, 6), **extra()})

    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger().addHandler(ValidationLog())


def record_losses(up_train):
    """Wraps upstream's get_loss(); returns the dict that keeps the last batch's loss, i2t and t2i
    (the exact values, where upstream's log prints six decimals)."""
    last = {}
    real_get_loss = up_train.get_loss

    def get_loss(*a, **k):
        total_loss, acc = real_get_loss(*a, **k)
        last["loss"] = total_loss.item()
        last["i2t"] = acc["i2t"].item()
        last["t2i"] = acc["t2i"].item()
        return total_loss, acc

    up_train.get_loss = get_loss
    return last


def build_model(args, wrap):
    """main()'s model: seeded, upstream's load() of the clip/bert weights, fp32, gradient
    checkpointing, sync batch norm, frozen vision; then wrap(model) (DDP or its stand-in)."""
    import torch
    from cn_clip.clip import load
    from cn_clip.clip.model import CLIP

    torch.manual_seed(args.seed)
    model = CLIP(**model_info(args.vision_model, args.text_model))
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
    return wrap(model)


def optimizer_and_schedule(args, model, data, steps, last):
    """main()'s AdamW parameter groups and cosine schedule, max_steps / max_epochs derived as main()
    derives them. Each optimizer step appends the last batch's values and the lr to steps."""
    from torch import optim
    from cn_clip.training.scheduler import cosine_lr

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
    return optimizer, scheduler


def resume(args, model, optimizer, data):
    """main()'s resume: returns (start_epoch, global_steps, data)."""
    import torch
    import cn_clip.training.data as up_data
    from cn_clip.clip.model import resize_pos_embed

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
    return start_epoch, global_steps, data


def teacher_for(args):
    """The distillation teacher (None without distillation): a cn_clip CLIP loaded from
    teacher_model_name, frozen, get_feature = encode_image, under `module` as upstream's DDP teacher."""
    if not args.distillation:
        return None
    import torch
    from cn_clip.clip.model import CLIP

    teacher_model = CLIP(**model_info(args.vision_model, args.text_model))
    tsd = torch.load(args.teacher_model_name, map_location="cpu")
    tsd = tsd.get("state_dict", tsd)
    tsd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in tsd.items()
           if "bert.pooler" not in k}
    teacher_model.load_state_dict(tsd)
    for v in teacher_model.parameters():
        v.requires_grad = False
    teacher_model.eval()
    teacher_model.get_feature = teacher_model.encode_image
    return Replica(teacher_model)


def run_epochs(args, model, data, optimizer, scheduler, start_epoch, global_steps, teacher):
    """main()'s epoch loop: train(), evaluate() every valid_epoch_interval epochs, the next epoch's
    data. Returns the global step count."""
    import cn_clip.training.data as up_data
    import cn_clip.training.train as up_train

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
    return global_steps


def main():
    ns = parse_command_line()
    sys.path.insert(0, os.path.abspath(ns.upstream))
    install_stubs()
    import torch
    import torch.distributed as dist

    import cn_clip.training.data as up_data
    import cn_clip.training.train as up_train

    torch.set_num_threads(ns.threads)
    config_path = os.path.abspath(ns.config)
    with open(config_path) as f:
        cfg = json.load(f)
    args = upstream_args(cfg, os.path.dirname(config_path))

    with tempfile.NamedTemporaryFile(prefix="gloo-", delete=False) as rendezvous:
        pass
    os.unlink(rendezvous.name)
    dist.init_process_group("gloo", init_method="file://" + rendezvous.name, rank=0, world_size=1)

    resolution = model_info(args.vision_model, args.text_model)["image_resolution"]
    up_data.fetch_resolution = lambda vision_model: resolution

    steps, validation = [], []
    last = record_losses(up_train)
    record_validations(validation)

    model = build_model(args, Replica)  # one rank: DDP's all-reduce is the identity
    data = up_data.get_data(args, epoch_id=0, max_txt_length=args.context_length)
    optimizer, scheduler = optimizer_and_schedule(args, model, data, steps, last)
    start_epoch, global_steps, data = resume(args, model, optimizer, data)
    global_steps = run_epochs(args, model, data, optimizer, scheduler, start_epoch, global_steps, teacher_for(args))

    state = model.state_dict()
    expected = {
        "steps": steps,
        "validation": validation,
        "final_param_norms": {k[len("module."):]: v.float().norm().item() for k, v in state.items()},
        "final_logit_scale": state["module.logit_scale"].item(),
        "produced_by": "upstream Chinese-CLIP train()/evaluate() via tests/train/upstream_train_reference.py, "
                       "torch " + torch.__version__ + ", CPU fp32, world size 1",
    }
    out = ns.out or os.path.join(os.path.dirname(config_path), "expected.json")
    with open(out, "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    if ns.save_final:
        torch.save({"epoch": args.max_epochs, "step": global_steps, "name": args.name, "state_dict": state,
                    "optimizer": optimizer.state_dict()}, ns.save_final)
    print(f"{out}: {len(steps)} steps, {len(validation)} validations, first loss {steps[0]['loss']:.6f}, "
          f"last loss {steps[-1]['loss']:.6f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
