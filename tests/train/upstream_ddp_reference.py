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
import os
import socket
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import upstream_train_reference as single  # noqa: E402


def parse_command_line():
    def add_arguments(parser):
        parser.add_argument("--world-size", type=int, default=2)
        parser.add_argument("--rank", type=int, default=None, help=argparse.SUPPRESS)

    return single.parse_command_line(add_arguments)


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

    import cn_clip.training.data as up_data
    import cn_clip.training.train as up_train

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
    last = single.record_losses(up_train)

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

    def exact_validation():
        loss_sum, i2t_sum, t2i_sum, num = reduced[-4:]
        return {"loss_exact": (loss_sum / num).item(), "i2t_exact": (i2t_sum / num).item(),
                "t2i_exact": (t2i_sum / num).item(), "num_elements": int(num.item())}

    single.record_validations(validation, exact_validation)

    # ---- main(): the model in DistributedDataParallel (CPU: no device_ids), then as single-process
    model = single.build_model(
        args, lambda m: torch.nn.parallel.DistributedDataParallel(m, find_unused_parameters=False))
    data = up_data.get_data(args, epoch_id=0, max_txt_length=args.context_length)
    optimizer, scheduler = single.optimizer_and_schedule(args, model, data, steps, last)
    start_epoch, global_steps, data = single.resume(args, model, optimizer, data)
    single.run_epochs(args, model, data, optimizer, scheduler, start_epoch, global_steps, single.teacher_for(args))

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
