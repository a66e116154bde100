"""Upstream Chinese-CLIP's own train() (cn_clip/training/train.py) timed on synthetic batches, the
baseline of tests/bench/cuda/run.sh: the same model configs, batch size, precision and gradient
checkpointing as bench_synthetic_train, on the same device in the same run.

upstream's main() is replaced by what it does at world size 1: CLIP(**model_info), the model in a
`module` wrapper (DistributedDataParallel's attribute, which train() uses), AdamW with upstream's two
parameter groups, cosine_lr, GradScaler for amp. The data is one synthetic batch made on the
device once and handed out again (as bench_synthetic_train does), so that both sides time the
training step, not a data pipeline. train() itself runs unchanged.

cn_clip is the installed package or the one under --cn-clip (a Chinese-CLIP checkout).
Prints one JSON line per configuration: pairs_per_s, step_ms, peak_allocated_gib.
Upstream's precisions are amp, fp16 and fp32: bf16 is clipwb's only (compare it with amp).
"""
import argparse
import json
import logging
import math
import os
import sys
import time
import types


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vision-model", required=True, help="upstream vision config JSON")
    parser.add_argument("--text-model", required=True, help="upstream text config JSON")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--context-length", type=int, default=52)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--precision", default="amp", help="comma-separated: amp, fp32")
    parser.add_argument("--grad-checkpointing", default="off", help="comma-separated: off, on")
    parser.add_argument("--cn-clip", help="folder holding the cn_clip package")
    ns = parser.parse_args()
    if ns.cn_clip:
        sys.path.insert(0, os.path.abspath(ns.cn_clip))
    import torch

    # train() imports tqdm at module level only; a stand-in keeps the dependency list short.
    if "tqdm" not in sys.modules:
        try:
            import tqdm  # noqa: F401
        except ImportError:
            sys.modules["tqdm"] = types.SimpleNamespace(tqdm=lambda x, **k: x)
    try:
        import torchvision.transforms  # noqa: F401  (cn_clip.clip imports it for its image transform)
    except ImportError:
        transforms = types.ModuleType("torchvision.transforms")
        for name in ("Compose", "ToTensor", "Normalize", "Resize", "InterpolationMode"):
            setattr(transforms, name, object)
        sys.modules["torchvision"] = types.ModuleType("torchvision")
        sys.modules["torchvision.transforms"] = transforms
    from cn_clip.clip.model import CLIP
    from cn_clip.training.scheduler import cosine_lr
    from cn_clip.training.train import train
    logging.getLogger().setLevel(logging.WARNING)

    device = torch.device(ns.device)
    cuda = device.type == "cuda"
    with open(ns.vision_model) as f:
        info = json.load(f)
    if isinstance(info["vision_layers"], str):
        info["vision_layers"] = json.loads(info["vision_layers"])
    with open(ns.text_model) as f:
        info.update(json.load(f))

    for checkpointing in ns.grad_checkpointing.split(","):
        for precision in ns.precision.split(","):
            torch.manual_seed(123)
            net = CLIP(**info).to(device)
            if checkpointing == "on":
                net.set_grad_checkpointing()
            model = torch.nn.Module()
            model.module = net
            model.forward = lambda *a: net(*a)
            exclude = lambda n: "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n  # noqa: E731
            named = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
            optimizer = torch.optim.AdamW(
                [{"params": [p for n, p in named if exclude(n)], "weight_decay": 0.0},
                 {"params": [p for n, p in named if not exclude(n)], "weight_decay": 0.2}],
                lr=5e-5, betas=(0.9, 0.98), eps=1e-6)
            total = ns.warmup + ns.steps
            scheduler = cosine_lr(optimizer, 5e-5, 1, total)
            scaler = torch.cuda.amp.GradScaler() if precision == "amp" else None

            res = info["image_resolution"]
            images = torch.randn(ns.batch, 3, res, res, device=device)
            texts = torch.randint(106, info["vocab_size"], (ns.batch, ns.context_length), device=device)
            texts[:, 0] = 101
            eos = torch.full((ns.batch,), ns.context_length - 1, device=device)
            marks = {}

            class Loader:
                num_batches = total
                num_samples = total * ns.batch

                def __iter__(self):
                    for i in range(total):
                        if i == ns.warmup:
                            if cuda:
                                torch.cuda.synchronize(device)
                                torch.cuda.reset_peak_memory_stats(device)
                            marks["start"] = time.perf_counter()
                        yield images, texts, eos

            data = {"train": types.SimpleNamespace(dataloader=Loader(), sampler=None)}
            args = types.SimpleNamespace(
                freeze_vision=False, accum_freq=1, max_steps=total, precision=precision, distillation=False,
                mask_ratio=0.0, aggregate=False, gather_with_grad=False, report_training_batch_acc=False,
                local_device_rank=device.index or 0, rank=0, world_size=1, log_interval=10 ** 9, val_data=None,
                valid_step_interval=None, should_save=False, save_step_frequency=-1, use_flash_attention=False,
                vision_model="ViT", kd_loss_weight=0.5)
            if not cuda:
                # train() moves every batch with .cuda(): on the CPU smoke run that is the identity.
                torch.Tensor.cuda = lambda self, *a, **k: self
                torch.nn.Module.cuda = lambda self, *a, **k: self
            try:
                train(model, data, 0, optimizer, scaler, scheduler, args, 0)
                if cuda:
                    torch.cuda.synchronize(device)
                seconds = (time.perf_counter() - marks["start"]) / ns.steps
                peak = torch.cuda.max_memory_allocated(device) / 2 ** 30 if cuda else -1
                print(json.dumps({"side": "upstream", "precision": precision,
                                  "grad_checkpointing": checkpointing == "on", "batch": ns.batch,
                                  "pairs_per_s": round(ns.batch / seconds, 1), "step_ms": round(seconds * 1e3, 2),
                                  "peak_allocated_gib": round(peak, 3), "torch": torch.__version__}), flush=True)
            except RuntimeError as e:  # out of memory at this size: say so and go on
                print(json.dumps({"side": "upstream", "precision": precision,
                                  "grad_checkpointing": checkpointing == "on", "batch": ns.batch,
                                  "error": str(e).splitlines()[0]}), flush=True)
            del net, model, optimizer
            if cuda:
                torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
