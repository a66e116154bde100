"""Upstream-equivalent Chinese-CLIP training step in PyTorch, the baseline of
bench_train: the same modules as cn_clip/clip/model.py and modeling_bert.py
(ViT with nn.MultiheadAttention, BERT with its pooler), the same data path as
cn_clip/training/data.py (LMDB, base64 image, PIL, torchvision Resize bicubic
+ normalise, DistributedSampler order, torch DataLoader with workers) and the
same step as train.py (cosine lr, AdamW with two groups, contrastive loss,
in-batch accuracy, logit_scale clamp). Prints one JSON object with per-step
times, excluding start-up and the first warm-up steps."""
import argparse
import base64
import json
import math
import os
import pickle
import statistics
import time
from collections import OrderedDict
from io import BytesIO

import lmdb
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.utils.checkpoint import checkpoint
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler
from torchvision.transforms import Compose, InterpolationMode, Normalize, Resize, ToTensor


class LayerNorm(nn.LayerNorm):
    def forward(self, x):
        return super().forward(x.type(torch.float32)).type(x.dtype)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads)
        self.ln_1 = LayerNorm(d)
        self.mlp = nn.Sequential(OrderedDict([("c_fc", nn.Linear(d, d * 4)), ("gelu", QuickGELU()),
                                              ("c_proj", nn.Linear(d * 4, d))]))
        self.ln_2 = LayerNorm(d)

    def forward(self, x):
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class VisualTransformer(nn.Module):
    def __init__(self, resolution, patch, width, layers, heads, out_dim):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        scale = width ** -0.5
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn((resolution // patch) ** 2 + 1, width))
        self.ln_pre = LayerNorm(width)
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads) for _ in range(layers)])
        self.ln_post = LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, out_dim))
        self.grad_checkpointing = False

    def forward(self, x):
        x = self.conv1(x)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        x = torch.cat([self.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype), x], 1)
        x = self.ln_pre(x + self.positional_embedding.to(x.dtype)).permute(1, 0, 2)
        for r in self.resblocks:
            x = checkpoint(r, x) if self.grad_checkpointing else r(x)
        x = self.ln_post(x.permute(1, 0, 2)[:, 0, :])
        return x @ self.proj


def gelu(x):
    return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


class BertLayer(nn.Module):
    def __init__(self, hidden, heads, intermediate, eps=1e-12):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)
        self.attn_dense, self.attn_ln = nn.Linear(hidden, hidden), nn.LayerNorm(hidden, eps=eps)
        self.inter = nn.Linear(hidden, intermediate)
        self.out_dense, self.out_ln = nn.Linear(intermediate, hidden), nn.LayerNorm(hidden, eps=eps)

    def split(self, x):
        b, n, d = x.shape
        return x.view(b, n, self.heads, d // self.heads).permute(0, 2, 1, 3)

    def forward(self, h, mask):
        q, k, v = self.split(self.query(h)), self.split(self.key(h)), self.split(self.value(h))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1]) + mask
        ctx = torch.matmul(nn.Softmax(dim=-1)(scores), v).permute(0, 2, 1, 3).contiguous()
        ctx = ctx.view(ctx.shape[0], ctx.shape[1], -1)
        a = self.attn_ln(self.attn_dense(ctx) + h)
        return self.out_ln(self.out_dense(gelu(self.inter(a))) + a)


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        hidden = c["text_hidden_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(c["text_max_position_embeddings"], hidden)
        self.token_type_embeddings = nn.Embedding(c["text_type_vocab_size"], hidden)
        self.ln = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList([BertLayer(hidden, c["text_num_attention_heads"], c["text_intermediate_size"])
                                     for _ in range(c["text_num_hidden_layers"])])
        self.pooler = nn.Linear(hidden, hidden)
        self.grad_checkpointing = False

    def forward(self, ids, attn):
        pos = torch.arange(ids.size(1)).unsqueeze(0).expand_as(ids)
        h = self.ln(self.word_embeddings(ids) + self.position_embeddings(pos) +
                    self.token_type_embeddings(torch.zeros_like(ids)))
        mask = (1.0 - attn[:, None, None, :]) * -10000.0
        for layer in self.layers:
            h = checkpoint(layer, h, mask) if self.grad_checkpointing else layer(h, mask)
        torch.tanh(self.pooler(h[:, 0]))  # upstream's BertModel computes its pooled output too
        return h


class Clip(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.visual = VisualTransformer(c["image_resolution"], c["vision_patch_size"], c["vision_width"],
                                        c["vision_layers"], c["vision_width"] // 64, c["embed_dim"])
        self.bert = Bert(c)
        self.text_projection = nn.Parameter(torch.randn(c["text_hidden_size"], c["embed_dim"]) *
                                            c["text_hidden_size"] ** -0.5)
        self.logit_scale = nn.Parameter(torch.ones([]) * np.log(1 / 0.07))

    def forward(self, image, text):
        i = self.visual(image)
        t = self.bert(text, text.ne(0).type(torch.float32))[:, 0, :] @ self.text_projection
        return i / i.norm(dim=-1, keepdim=True), t / t.norm(dim=-1, keepdim=True), self.logit_scale.exp()


class Tokenizer:
    """Upstream's BERT tokenizer for Chinese text: one token per CJK character, greedy
    longest-match wordpieces for the rest, [CLS] ... [SEP] padded with 0."""

    def __init__(self, vocab_path):
        with open(vocab_path, encoding="utf-8") as f:
            self.vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}

    def wordpieces(self, word):
        out, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    out.append(self.vocab[piece])
                    break
                end -= 1
            if end == start:
                return [self.vocab["[UNK]"]]
            start = end
        return out

    def encode(self, text, length):
        ids, word = [], ""
        for ch in text.lower():
            if "\u4e00" <= ch <= "\u9fff" or ch.isspace() or not ch.isalnum():
                if word:
                    ids += self.wordpieces(word)
                    word = ""
                if not ch.isspace():
                    ids.append(self.vocab.get(ch, self.vocab["[UNK]"]))
            else:
                word += ch
        if word:
            ids += self.wordpieces(word)
        ids = [self.vocab["[CLS]"]] + ids[:length - 2] + [self.vocab["[SEP]"]]
        return torch.tensor(ids + [0] * (length - len(ids)), dtype=torch.long)


class LMDBDataset(Dataset):
    def __init__(self, path, resolution, tokenizer, context_length, padded_len):
        self.path, self.tokenizer, self.context_length, self.padded_len = path, tokenizer, context_length, padded_len
        self.env_pairs = self.env_imgs = None
        with lmdb.open(os.path.join(path, "pairs"), readonly=True, lock=False) as env:
            self.num_samples = int(env.begin().get(b"num_samples").decode())
        self.transform = Compose([Resize((resolution, resolution), interpolation=InterpolationMode.BICUBIC),
                                  lambda im: im.convert("RGB"), ToTensor(),
                                  Normalize((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711))])

    def __len__(self):
        return self.padded_len

    def __getitem__(self, index):
        if self.env_pairs is None:  # opened per worker, as upstream (lock=False, readonly)
            self.env_pairs = lmdb.open(os.path.join(self.path, "pairs"), readonly=True, lock=False)
            self.env_imgs = lmdb.open(os.path.join(self.path, "imgs"), readonly=True, lock=False)
        sample_index = index % self.num_samples
        image_id, text_id, raw_text = pickle.loads(self.env_pairs.begin().get(str(sample_index).encode()))
        image_b64 = self.env_imgs.begin().get(str(image_id).encode()).decode()
        image = Image.open(BytesIO(base64.urlsafe_b64decode(image_b64)))
        text = raw_text.replace("“", "\"").replace("”", "\"")
        return self.transform(image), self.tokenizer.encode(text, self.context_length)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-data", required=True)
    parser.add_argument("--vision-model", required=True)
    parser.add_argument("--text-model", required=True)
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup-steps", type=int, default=3)
    parser.add_argument("--num-workers", type=int, default=2)
    parser.add_argument("--grad-checkpointing", action="store_true")
    parser.add_argument("--seed", type=int, default=123)
    parser.add_argument("--synthetic", action="store_true",
                        help="model compute only: one random batch (no LMDB, no loader), process CPU time "
                             "per step reported too (compare bench_synthetic_train)")
    args = parser.parse_args()

    with open(args.vision_model) as fv, open(args.text_model) as ft:
        config = json.load(fv)
        config.update(json.load(ft))
    torch.manual_seed(args.seed)
    model = Clip(config)
    model.visual.grad_checkpointing = model.bert.grad_checkpointing = args.grad_checkpointing
    model.train()
    exclude = lambda n: "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n
    named = list(model.named_parameters())
    optimizer = torch.optim.AdamW([{"params": [p for n, p in named if exclude(n)], "weight_decay": 0.},
                                   {"params": [p for n, p in named if not exclude(n)], "weight_decay": 0.2}],
                                  lr=5e-4, betas=(0.9, 0.98), eps=1e-6)
    if args.synthetic:
        res = config["image_resolution"]
        images = torch.randn(args.batch_size, 3, res, res)
        texts = torch.randint(106, config["vocab_size"], (args.batch_size, 52))
        texts[:, 20:] = 0
        loss_fn = nn.CrossEntropyLoss()
        step_times = []
        for step in range(args.steps + args.warmup_steps):
            if step == args.warmup_steps:
                cpu_start = time.process_time()
            start = time.perf_counter()
            optimizer.zero_grad()
            image_features, text_features, logit_scale = model(images, texts)
            logits_per_image = logit_scale * image_features @ text_features.t()
            logits_per_text = logit_scale * text_features @ image_features.t()
            ground_truth = torch.arange(len(logits_per_image)).long()
            total_loss = (loss_fn(logits_per_image, ground_truth) + loss_fn(logits_per_text, ground_truth)) / 2
            total_loss.backward()
            optimizer.step()
            model.logit_scale.data = torch.clamp(model.logit_scale.data, 0, 4.6052)
            total_loss.item()
            if step >= args.warmup_steps:
                step_times.append(time.perf_counter() - start)
        print(json.dumps({"median_step_s": statistics.median(step_times),
                          "cpu_s_per_step": (time.process_time() - cpu_start) / len(step_times),
                          "steps": len(step_times), "threads": torch.get_num_threads()}))
        return
    tokenizer = Tokenizer(args.vocab)
    probe = LMDBDataset(args.train_data, config["image_resolution"], tokenizer, 52, 1)
    padded = math.ceil(probe.num_samples / args.batch_size) * args.batch_size
    dataset = LMDBDataset(args.train_data, config["image_resolution"], tokenizer, 52, padded)
    batches_per_epoch = padded // args.batch_size
    total = args.steps + args.warmup_steps
    loss_fn = nn.CrossEntropyLoss()

    step_times, data_waits = [], []
    step = 0
    epoch = 0
    while step < total:
        # upstream builds a new sampler and DataLoader for every epoch (get_data(epoch_id=...))
        sampler = DistributedSampler(dataset, num_replicas=1, rank=0, shuffle=True, seed=args.seed)
        sampler.set_epoch(epoch)
        loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler, num_workers=args.num_workers,
                            pin_memory=False, drop_last=False)
        end = time.perf_counter()
        for images, texts in loader:
            if step >= total:
                break
            data_time = time.perf_counter() - end
            lr = 5e-4 * (step + 1) / 10 if step < 10 else 0.5 * (1 + np.cos(np.pi * (step - 10) / (total - 10))) * 5e-4
            for group in optimizer.param_groups:
                group["lr"] = lr
            optimizer.zero_grad()
            image_features, text_features, logit_scale = model(images, texts)
            logits_per_image = logit_scale * image_features @ text_features.t()
            logits_per_text = logit_scale * text_features @ image_features.t()
            ground_truth = torch.arange(len(logits_per_image)).long()
            total_loss = (loss_fn(logits_per_image, ground_truth) + loss_fn(logits_per_text, ground_truth)) / 2
            i2t = (logits_per_image.argmax(-1) == ground_truth).sum() / len(logits_per_image)
            t2i = (logits_per_text.argmax(-1) == ground_truth).sum() / len(logits_per_text)
            total_loss.backward()
            optimizer.step()
            model.logit_scale.data = torch.clamp(model.logit_scale.data, 0, 4.6052)
            total_loss.item(), i2t.item(), t2i.item()  # upstream logs them every log_interval step
            batch_time = time.perf_counter() - end
            end = time.perf_counter()
            if step >= args.warmup_steps:
                step_times.append(batch_time)
                data_waits.append(data_time)
            step += 1
        epoch += 1
    print(json.dumps({"median_step_s": statistics.median(step_times), "mean_step_s": statistics.mean(step_times),
                      "mean_data_wait_s": statistics.mean(data_waits), "steps": len(step_times),
                      "batches_per_epoch": batches_per_epoch, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
