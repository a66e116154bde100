"""Writes the small seed corpora of tests/fuzz/corpus (run once; the files are committed).
Needs Python with torch (Debian's /usr/bin/python3 has 1.13) and PIL (the repo's venv);
each part is skipped when its module is missing. LMDB seeds go through liblmdb with ctypes."""
import base64, io, os, pickle, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def pickles():
    put("pickle", "accept-pair-p2", pickle.dumps((1234, 5, "一只猫 a cat"), protocol=2))
    put("pickle", "accept-pair-p4", pickle.dumps((1234, 5, "一只猫 a cat"), protocol=4))
    put("pickle", "accept-nested-p5", pickle.dumps({"a": [1, 2.5, None, True, b"\x00\xff"], "b": (1 << 40, -3)}, protocol=5))
    put("pickle", "reject-int-wider-than-64-bits", pickle.dumps(1 << 70, protocol=2))
    put("pickle", "accept-shared-memo", pickle.dumps([[1, 2]] * 3, protocol=2))
    put("pickle", "reject-os-system", pickle.dumps(Evil(), protocol=2))
    put("pickle", "reject-truncated", pickle.dumps((1, 2, "three"), protocol=4)[:-3])
    # a pair as the pairs/ environment stores it, for the record target (first byte even: pair)
    put("lmdb_record", "accept-pair", b"\x00" + pickle.dumps((1234, 5, "一只猫"), protocol=4))
    put("lmdb_record", "reject-pair-wrong-shape", b"\x00" + pickle.dumps([1, 2], protocol=4))


def images():
    try:
        from PIL import Image
    except ImportError:
        print("no PIL: image seeds skipped")
        return
    img = Image.new("RGB", (7, 5))
    for x in range(7):
        for y in range(5):
            img.putpixel((x, y), (x * 30, y * 50, (x + y) * 20))
    out = {}
    for fmt, kw in (("JPEG", {"quality": 80}), ("PNG", {}), ("BMP", {}), ("WEBP", {})):
        b = io.BytesIO()
        img.save(b, fmt, **kw)
        out[fmt] = b.getvalue()
    b = io.BytesIO()
    img.convert("RGBA").save(b, "PNG")
    out["PNG-RGBA"] = b.getvalue()
    b = io.BytesIO()
    img.convert("L").save(b, "JPEG")
    out["JPEG-grey"] = b.getvalue()
    b = io.BytesIO()
    img.convert("P").save(b, "PNG")
    out["PNG-palette"] = b.getvalue()
    for name, data in out.items():
        put("image", "accept-" + name.lower(), data)
    put("image", "reject-truncated-jpeg", out["JPEG"][:60])
    put("image", "reject-not-an-image", b"GIF89a not supported")
    put("lmdb_record", "accept-image-jpeg", b"\x01" + base64.urlsafe_b64encode(out["JPEG"]))
    put("lmdb_record", "accept-image-png", b"\x01" + base64.b64encode(out["PNG"]))
    put("lmdb_record", "reject-image-bad-base64", b"\x01" + b"!!!not base64")
    return out


def checkpoints():
    try:
        import torch
    except ImportError:
        print("no torch: checkpoint seeds skipped")
        return
    state = {"module.visual.proj": torch.arange(6, dtype=torch.float32).reshape(2, 3),
             "module.logit_scale": torch.tensor(4.6052),
             "module.bert.ids": torch.tensor([1, 2, 3], dtype=torch.int64),
             "module.half": torch.ones(2, dtype=torch.float16)}
    ckpt = {"epoch": 1, "step": 10, "name": "seed", "state_dict": state}
    for name, zipfile in (("zip", True), ("legacy", False)):
        b = io.BytesIO()
        torch.save(ckpt, b, _use_new_zipfile_serialization=zipfile)
        put("checkpoint", "accept-" + name, b.getvalue())
        b = io.BytesIO()
        torch.save(state, b, _use_new_zipfile_serialization=zipfile)
        put("checkpoint", "accept-bare-state-dict-" + name, b.getvalue())
    b = io.BytesIO()
    torch.save({"state_dict": state, "evil": Evil()}, b)
    put("checkpoint", "reject-os-system-zip", b.getvalue())
    b = io.BytesIO()
    torch.save(ckpt, b)
    put("checkpoint", "reject-truncated-zip", b.getvalue()[: len(b.getvalue()) // 2])


def texts():
    put("tokenizer", "accept-chinese", "一只橙色的猫咪在草地上玩耍，阳光明媚。")
    put("tokenizer", "accept-mixed", "Hello 世界! ＡＢＣ café naïve \u201cquoted\u201d 12345 #tag")
    put("tokenizer", "accept-invalid-utf8", b"abc\xff\xfe\xc3( \xe4\xb8 end")
    put("tokenizer", "accept-control", "tab\tnew\nline\x00nul\u200bzero-width")
    put("config_json", "accept-small",
        '{"train_data": "data/train", "val_data": null, "batch_size": 8, "lr": 5e-5, '
        '"vision_model": "ViT-B-16", "text_model": "RoBERTa-wwm-ext-base-chinese", "precision": "fp32"}')
    put("config_json", "reject-unknown-key", '{"train_data": "d", "batch_sise": 8}')
    put("config_json", "reject-wrong-type", '{"train_data": "d", "batch_size": "eight"}')
    put("config_json", "reject-not-json", '{"train_data": ')
    put("config_flags", "accept-upstream",
        "--train-data\ndata/train\n--val-data\nNone\n--batch-size=48\n--lr\n5e-5\n--grad-checkpointing\n"
        "--vision-model\nViT-B-16\n--text-model\nRoBERTa-wwm-ext-base-chinese\n--max-epochs\n3")
    put("config_flags", "reject-unknown-flag", "--batch-sise\n48")
    put("config_flags", "reject-missing-value", "--batch-size")
    put("feature_jsonl", "accept-two-rows",
        '{"image_id": 1, "feature": [0.6, 0.8, 0.0]}\n{"image_id": 2, "feature": [1.0, 0.0, -0.0]}\n')
    put("feature_jsonl", "accept-json-dumps-spacing", '{"image_id": 7, "feature": [0.1, 0.2]}\n\n')
    put("feature_jsonl", "reject-width-changes",
        '{"image_id": 1, "feature": [0.6, 0.8]}\n{"image_id": 2, "feature": [1.0]}\n')
    put("feature_jsonl", "reject-nan", '{"image_id": 1, "feature": [NaN, 0.8]}\n')
    put("prediction_jsonl", "accept-three",
        '{"text_id": 1, "image_ids": [10, 11]}\n{"text_id": 2, "image_ids": [20, 3]}\n'
        '{"text_id": 3, "image_ids": [5, 31]}\n')
    put("prediction_jsonl", "reject-duplicate",
        '{"text_id": 1, "image_ids": [10, 10]}\n{"text_id": 2, "image_ids": [20, 3]}\n'
        '{"text_id": 3, "image_ids": [5, 31]}\n')
    put("prediction_jsonl", "reject-string-id", '{"text_id": 1, "image_ids": ["10", 11]}\n')


def lmdb_env(images):
    """A tiny environment holding both kinds of record, then damaged copies of it."""
    import ctypes, ctypes.util, random, shutil, tempfile
    lib = ctypes.CDLL(ctypes.util.find_library("lmdb") or "liblmdb.so.0")

    class Val(ctypes.Structure):
        _fields_ = [("size", ctypes.c_size_t), ("data", ctypes.c_void_p)]

    def check(rc, what):
        if rc != 0:
            raise RuntimeError("%s failed: %d" % (what, rc))

    d = tempfile.mkdtemp()
    env, txn, dbi = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_uint()
    check(lib.mdb_env_create(ctypes.byref(env)), "create")
    check(lib.mdb_env_set_mapsize(env, ctypes.c_size_t(1 << 20)), "mapsize")
    check(lib.mdb_env_open(env, d.encode(), 0, 0o644), "open")
    check(lib.mdb_txn_begin(env, None, 0, ctypes.byref(txn)), "begin")
    check(lib.mdb_dbi_open(txn, None, 0, ctypes.byref(dbi)), "dbi")
    jpeg = images["JPEG"] if images else b"\xff\xd8\xff"
    records = {b"0": pickle.dumps((1, 7, "一只猫"), protocol=4), b"1": base64.urlsafe_b64encode(jpeg),
               b"num_samples": b"1", b"num_images": b"1"}
    bufs = []
    for k, v in records.items():
        kb, vb = ctypes.create_string_buffer(k, len(k)), ctypes.create_string_buffer(v, len(v))
        bufs += [kb, vb]
        kv = Val(len(k), ctypes.cast(kb, ctypes.c_void_p))
        vv = Val(len(v), ctypes.cast(vb, ctypes.c_void_p))
        check(lib.mdb_put(txn, dbi, ctypes.byref(kv), ctypes.byref(vv), 0), "put")
    check(lib.mdb_txn_commit(txn), "commit")
    lib.mdb_env_close(env)
    with open(os.path.join(d, "data.mdb"), "rb") as f:
        good = f.read()
    shutil.rmtree(d)
    # Only the pages in use (LMDB may leave the file longer than the last page).
    put("lmdb_env", "accept-small-env", good)
    rnd = random.Random(10)
    page = 4096
    put("lmdb_env", "reject-truncated", good[: len(good) - page])
    put("lmdb_env", "reject-zeros", bytes(len(good)))
    put("lmdb_env", "reject-zeroed-meta", bytes(page) + good[page:])
    for i, off in enumerate((2 * page, 2 * page + 16, len(good) - 200)):
        b = bytearray(good)
        b[off:off + 64] = bytes(rnd.getrandbits(8) for _ in range(64))
        put("lmdb_env", "random-bytes-%d" % i, bytes(b))


if __name__ == "__main__":
    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    if part in ("all", "text"):
        pickles()
        texts()
    if part in ("all", "images"):
        lmdb_env(images())
    if part in ("all", "checkpoints"):
        checkpoints()
