"""PIL's results for the AutoAugment operations (timm's calls), for clipwb's tests.

usage: pil_ops_reference.py OUT_DIR   (Debian's /usr/bin/python3 with PIL)
Writes image<k>.png inputs, one raw RGB file per (image, operation) and manifest.json.
"""
import io
import json
import os
import random
import sys

from PIL import Image, ImageEnhance, ImageOps

FILL = (123, 117, 104)
BICUBIC = Image.BICUBIC


def affine(img, data):
    return img.transform(img.size, Image.AFFINE, data, resample=BICUBIC, fillcolor=FILL)


OPS = {
    "rotate": lambda img, v: img.rotate(v, resample=BICUBIC, fillcolor=FILL),
    "shear_x": lambda img, v: affine(img, (1, v, 0, 0, 1, 0)),
    "shear_y": lambda img, v: affine(img, (1, 0, 0, v, 1, 0)),
    "translate_x": lambda img, v: affine(img, (1, 0, v, 0, 1, 0)),
    "translate_y": lambda img, v: affine(img, (1, 0, 0, 0, 1, v)),
    "autocontrast": lambda img, v: ImageOps.autocontrast(img),
    "equalize": lambda img, v: ImageOps.equalize(img),
    "invert": lambda img, v: ImageOps.invert(img),
    "solarize": lambda img, v: ImageOps.solarize(img, int(v)),
    "posterize": lambda img, v: ImageOps.posterize(img, int(v)),
    "color": lambda img, v: ImageEnhance.Color(img).enhance(v),
    "contrast": lambda img, v: ImageEnhance.Contrast(img).enhance(v),
    "brightness": lambda img, v: ImageEnhance.Brightness(img).enhance(v),
    "sharpness": lambda img, v: ImageEnhance.Sharpness(img).enhance(v),
}

VALUES = {
    "rotate": [27.0, -27.0, 24.0, -9.0, 9.0, 0.0, 180.0, 33.3],
    "shear_x": [0.15, -0.15, 0.3],
    "shear_y": [0.21, -0.09],
    "translate_x": [10.7, -4.0],
    "translate_y": [3.5, -12.25],
    "autocontrast": [0],
    "equalize": [0],
    "invert": [0],
    "solarize": [128, 102, 76, 204, 179, 0, 256],
    "posterize": [4, 5, 6, 7],
    "color": [0.1, 0.82, 1.54, 0.46, 1.9],
    "contrast": [1.54, 0.1, 1.9, 0.6],
    "brightness": [0.5, 1.7],
    "sharpness": [1.36, 0.4, 1.9],
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(7)
    cases = []
    for k, (w, h) in enumerate([(64, 48), (37, 53), (96, 96), (2, 5)]):
        noise = Image.frombytes("RGB", (w, h), bytes(rng.getrandbits(8) for _ in range(w * h * 3)))
        if k % 2 == 0:  # smooth, narrow-range content makes autocontrast/equalize meaningful
            small = noise.resize((max(1, w // 6), max(1, h // 6)))
            noise = Image.blend(small.resize((w, h), Image.BILINEAR), Image.new("RGB", (w, h), (90, 140, 60)), 0.5)
        name = "image%d.png" % k
        noise.save(os.path.join(out, name))
        for op, values in VALUES.items():
            for v in values:
                result = OPS[op](Image.open(os.path.join(out, name)).convert("RGB"), v)
                raw = "%s_%s_%s.raw" % (name, op, v)
                with open(os.path.join(out, raw), "wb") as f:
                    f.write(result.tobytes())
                cases.append({"input": name, "op": op, "value": v, "raw": raw})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(cases, f, indent=1)


if __name__ == "__main__":
    main()
