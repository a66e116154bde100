#!/usr/bin/python3
"""Loads checkpoints written by clipwb with upstream Chinese-CLIP's own model code,
strictly, and prints the features upstream computes from them.

Usage: /usr/bin/python3 upstream_load_check.py UPSTREAM_SRC REQUEST.json
UPSTREAM_SRC is a checkout of github.com/OFA-Sys/Chinese-CLIP (imported from there).
REQUEST.json: {"images": [png paths], "texts": [...], "jobs": [{"name", "checkpoint",
"vision", "text" (config JSON paths), "context_length", "fp16" (bool)}]}.
Prints one JSON object: {"jobs": [{"name", "keys", "half_tensors", "dtype_mismatches",
"optimizer_loaded", "image_features", "text_features", "logit_scale"}]}.
Any failure of torch.load or load_state_dict(strict=True) ends the script with its traceback.
"""
import json
import sys

import torch


def preprocess_text(text):
    # upstream's _preprocess_text: lower-case, curly double quotes to '"'.
    return text.lower().replace("“", "\"").replace("”", "\"")


def merged_config(vision_path, text_path):
    with open(vision_path) as f:
        config = json.load(f)
    with open(text_path) as f:
        config.update(json.load(f))
    if isinstance(config["vision_layers"], str):
        config["vision_layers"] = json.loads(config["vision_layers"])
    return config


def upstream_param_groups(model):
    # cn_clip/training/main.py: no weight decay for bn, ln, bias and logit_scale.
    exclude = lambda n: "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n
    named = list(model.named_parameters())
    gain_or_bias = [p for n, p in named if exclude(n) and p.requires_grad]
    rest = [p for n, p in named if not exclude(n) and p.requires_grad]
    return [{"params": gain_or_bias, "weight_decay": 0.0}, {"params": rest, "weight_decay": 0.2}]


def main():
    sys.path.insert(0, sys.argv[1])
    from PIL import Image
    import cn_clip.clip as cnclip
    from cn_clip.clip.model import CLIP, convert_weights
    from cn_clip.clip.utils import image_transform

    torch.set_num_threads(1)
    with open(sys.argv[2]) as f:
        request = json.load(f)
    images = [Image.open(path) for path in request["images"]]
    out = {"jobs": []}
    for job in request["jobs"]:
        config = merged_config(job["vision"], job["text"])
        model = CLIP(**config)
        if job.get("fp16"):
            convert_weights(model)
        checkpoint = torch.load(job["checkpoint"], map_location="cpu")
        state_dict = checkpoint["state_dict"] if "state_dict" in checkpoint else checkpoint
        state_dict = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state_dict.items()}
        expected_dtypes = {k: v.dtype for k, v in model.state_dict().items()}
        mismatches = [k for k, v in state_dict.items() if k in expected_dtypes and v.dtype != expected_dtypes[k]]
        model.load_state_dict(state_dict, strict=True)
        optimizer_loaded = False
        if checkpoint.get("optimizer") is not None:
            optimizer = torch.optim.AdamW(upstream_param_groups(model), lr=1e-4)
            optimizer.load_state_dict(checkpoint["optimizer"])  # what upstream's --resume does
            optimizer_loaded = True
        model = model.float().eval()
        transform = image_transform(config["image_resolution"])
        pixels = torch.stack([transform(image) for image in images])
        ids = cnclip.tokenize([preprocess_text(t) for t in request["texts"]],
                              context_length=job["context_length"])
        with torch.no_grad():
            image_features = model.encode_image(pixels)
            text_features = model.encode_text(ids)
        image_features = image_features / image_features.norm(dim=-1, keepdim=True)
        text_features = text_features / text_features.norm(dim=-1, keepdim=True)
        out["jobs"].append({
            "name": job["name"], "keys": len(state_dict),
            "half_tensors": sum(1 for v in state_dict.values() if v.dtype == torch.float16),
            "dtype_mismatches": mismatches, "optimizer_loaded": optimizer_loaded,
            "epoch": checkpoint.get("epoch"), "step": checkpoint.get("step"),
            "image_features": image_features.tolist(), "text_features": text_features.tolist(),
            "logit_scale": float(model.logit_scale),
        })
    print(json.dumps(out))


if __name__ == "__main__":
    main()
