#!/usr/bin/python3
"""Baseline for bench_tokenizer: the algorithm of upstream's
cn_clip/clip/bert_tokenizer.py FullTokenizer + cn_clip.clip.tokenize, written
out in plain Python with the same per-character unicodedata calls.

usage: upstream_tokenize.py VOCAB CASES_JSONL ROUNDS  -> prints "texts seconds checksum"
"""
import json
import sys
import time
import unicodedata


def is_whitespace(c):
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"


def is_control(c):
    return c not in "\t\n\r" and unicodedata.category(c) in ("Cc", "Cf")


def is_punctuation(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic(text):
    out = []
    for c in text:
        cp = ord(c)
        if cp == 0 or cp == 0xFFFD or is_control(c):
            continue
        if is_whitespace(c):
            out.append(" ")
        elif is_cjk(cp):
            out += [" ", c, " "]
        else:
            out.append(c)
    pieces = []
    for token in "".join(out).split():
        token = unicodedata.normalize("NFD", token.lower())
        token = "".join(c for c in token if unicodedata.category(c) != "Mn")
        word = []
        for c in token:
            if is_punctuation(c):
                if word:
                    pieces.append("".join(word))
                    word = []
                pieces.append(c)
            else:
                word.append(c)
        if word:
            pieces.append("".join(word))
    return " ".join(pieces).split()


def wordpiece(vocab, token):
    if len(token) > 200:
        return [vocab["[UNK]"]]
    ids, start = [], 0
    while start < len(token):
        end, found = len(token), None
        while start < end:
            sub = token[start:end] if start == 0 else "##" + token[start:end]
            if sub in vocab:
                found = vocab[sub]
                break
            end -= 1
        if found is None:
            return [vocab["[UNK]"]]
        ids.append(found)
        start = end
    return ids


def main():
    vocab = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for i, line in enumerate(f):
            vocab[line.strip()] = i
    texts = [json.loads(l)["text"] for l in open(sys.argv[2], encoding="utf-8")]
    rounds = int(sys.argv[3])
    checksum = 0
    start = time.process_time()
    for _ in range(rounds):
        for text in texts:
            ids = []
            for token in basic(text):
                ids += wordpiece(vocab, token)
            ids = [101] + ids[:50] + [102]
            ids += [0] * (52 - len(ids))
            checksum += sum(ids)
    seconds = time.process_time() - start
    print(len(texts) * rounds, seconds, checksum)


if __name__ == "__main__":
    main()
