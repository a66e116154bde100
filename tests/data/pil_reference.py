"""Writes PIL's results for the image tests of clipwb (run with Debian's /usr/bin/python3).

usage: pil_reference.py FIXTURES_DIR OUT_DIR
OUT_DIR/manifest.json lists cases: an encoded input file and PIL's output as raw RGB bytes, made
exactly as upstream Chinese-CLIP does it: Image.open, torchvision Resize((R, R), BICUBIC),
convert('RGB').
"""
import base64
import io
import json
import os
import random
import sys

from PIL import Image
from torchvision.transforms import InterpolationMode, Resize


def upstream_resize(image, size):
    return Resize((size, size), interpolation=InterpolationMode.BICUBIC)(image).convert("RGB")


def main():
    fixtures, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    cases = []

    def add(name, encoded, image, size):
        source = name + ".bin"
        if not os.path.exists(os.path.join(out, source)):
            with open(os.path.join(out, source), "wb") as f:
                f.write(encoded)
        result = image.convert("RGB") if size is None else upstream_resize(image, size)
        raw = "%s_%s.raw" % (name, "decoded" if size is None else size)
        with open(os.path.join(out, raw), "wb") as f:
            f.write(result.tobytes())
        cases.append({"name": name, "input": source, "size": size, "mode": image.mode,
                      "width": result.width, "height": result.height, "raw": raw})

    with open(os.path.join(fixtures, "lmdb", "valid_imgs.tsv")) as f:
        for line in f:
            image_id, b64 = line.rstrip("\n").split("\t")
            encoded = base64.urlsafe_b64decode(b64)
            name = "valid_" + image_id
            for size in (None, 64, 224, 100):
                add(name, encoded, Image.open(io.BytesIO(encoded)), size)

    rng = random.Random(20240601)
    modes = ["RGB", "L", "RGBA", "P", "LA", "RGB", "RGBA", "RGB"]
    for k in range(24):
        mode = modes[k % len(modes)]
        width, height = rng.randint(5, 300), rng.randint(5, 300)
        base = Image.frombytes("RGBA", (width, height), bytes(rng.getrandbits(8) for _ in range(width * height * 4)))
        # Smooth some images so that the resampling matters more than noise.
        if k % 3 == 0:
            base = base.resize((max(1, width // 8), max(1, height // 8))).resize((width, height), Image.BILINEAR)
        image = base.convert("RGB").quantize(64) if mode == "P" else base.convert(mode) if mode != "RGBA" else base
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        encoded = buffer.getvalue()
        name = "random%d_%s" % (k, mode)
        reopened = Image.open(io.BytesIO(encoded))
        for size in (None, rng.randint(3, 400), rng.randint(3, 64), 224):
            add(name, encoded, Image.open(io.BytesIO(encoded)), size)
        if mode in ("RGB", "RGBA") and k < 12:
            for fmt, options in (("WEBP", {"lossless": True}), ("BMP", {}), ("JPEG", {"quality": 90})):
                if fmt in ("BMP", "JPEG") and mode == "RGBA":
                    continue
                buffer = io.BytesIO()
                reopened.save(buffer, format=fmt, **options)
                other = buffer.getvalue()
                add("%s_%s" % (name, fmt.lower()), other, Image.open(io.BytesIO(other)), None)
                add("%s_%s" % (name, fmt.lower()), other, Image.open(io.BytesIO(other)), 224)

    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(cases, f, indent=1)


if __name__ == "__main__":
    main()
