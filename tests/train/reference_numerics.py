# Upstream-equivalent numerics for TestTrainComponents: PyTorch's AdamW (two
# groups as upstream's main.py builds them), the contrastive loss of
# cn_clip/training/train.py get_loss() and its cosineSimilarityLoss.
import json
import sys

import torch
import torch.nn.functional as F


def inputs(shape, phase):
    n = 1
    for s in shape:
        n *= s
    return torch.sin(torch.arange(n, dtype=torch.float64) * 0.37 + phase).float().reshape(shape)


def main():
    torch.set_num_threads(1)
    a = inputs([4, 3], 0.1).requires_grad_()
    b = inputs([5], 0.2).requires_grad_()
    opt = torch.optim.AdamW([{"params": [b], "weight_decay": 0.0}, {"params": [a], "weight_decay": 0.2}],
                            lr=3e-4, betas=(0.9, 0.98), eps=1e-6)
    for step in range(3):
        for group in opt.param_groups:
            group["lr"] = 3e-4 * (step + 1) / 2
        opt.zero_grad()
        a.grad = inputs([4, 3], 1.0 + step)
        b.grad = inputs([5], 2.0 + step)
        opt.step()
    img = F.normalize(inputs([6, 8], 0.3), dim=-1)
    txt = F.normalize(inputs([6, 8], 0.7), dim=-1)
    scale = torch.tensor(2.5).exp()
    lpi = scale * img @ txt.t()
    lpt = scale * txt @ img.t()
    gt = torch.arange(6)
    loss = (F.cross_entropy(lpi, gt) + F.cross_entropy(lpt, gt)) / 2
    i2t = (lpi.argmax(-1) == gt).sum() / 6
    t2i = (lpt.argmax(-1) == gt).sum() / 6
    teacher = inputs([6, 12], 0.9)
    student = img
    resized = F.interpolate(student.unsqueeze(0).unsqueeze(0), size=(6, 12), mode="bilinear",
                            align_corners=False).squeeze(0).squeeze(0)
    kd = 1 - F.cosine_similarity(teacher, resized, dim=1).mean()
    json.dump({"a": a.detach().flatten().tolist(), "b": b.detach().flatten().tolist(), "loss": loss.item(),
               "i2t": i2t.item(), "t2i": t2i.item(), "kd": kd.item()}, sys.stdout)


main()
