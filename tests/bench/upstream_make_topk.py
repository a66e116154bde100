# The baseline: upstream Chinese-CLIP's cn_clip/eval/make_topk_predictions.py
# (text -> image) and make_topk_predictions_tr.py (image -> text) search loop,
# on the CPU (upstream calls .cuda(); everything else is kept as it is): one
# query at a time, a [1, D] x [D, batch] product per image batch, all scores
# to a Python list, a stable sort, the first k. Run with /usr/bin/python3
# (Debian's python3-torch).
import argparse
import json
import time

import numpy as np
import torch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--image-feats", required=True)
    parser.add_argument("--text-feats", required=True)
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--eval-batch-size", type=int, default=32768)
    parser.add_argument("--output", required=True)
    parser.add_argument("--image-to-text", action="store_true")
    parser.add_argument("--max-queries", type=int, default=0,
                        help="stop after this many queries (the per-query cost is uniform: the caller extrapolates)")
    args = parser.parse_args()

    # upstream loads the candidate side into memory and streams the queries
    if args.image_to_text:
        candidates_path, queries_path, cand_key, query_key, out_key = \
            args.text_feats, args.image_feats, "text_id", "image_id", "text_ids"
    else:
        candidates_path, queries_path, cand_key, query_key, out_key = \
            args.image_feats, args.text_feats, "image_id", "text_id", "image_ids"

    start, cpu_start = time.perf_counter(), time.process_time()
    cand_ids, cand_feats = [], []
    with open(candidates_path, "r") as fin:
        for line in fin:
            obj = json.loads(line.strip())
            cand_ids.append(obj[cand_key])
            cand_feats.append(obj["feature"])
    cand_array = np.array(cand_feats, dtype=np.float32)
    load_seconds, load_cpu = time.perf_counter() - start, time.process_time() - cpu_start

    queries = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    with open(args.output, "w") as fout, open(queries_path, "r") as fin:
        for line in fin:
            if args.max_queries and queries >= args.max_queries:
                break
            obj = json.loads(line.strip())
            query_id = obj[query_key]
            query = torch.tensor([obj["feature"]], dtype=torch.float)
            score_tuples = []
            idx = 0
            while idx < len(cand_ids):
                end = min(idx + args.eval_batch_size, len(cand_ids))
                batch = torch.from_numpy(cand_array[idx:end])
                batch_scores = query @ batch.t()
                for cand_id, score in zip(cand_ids[idx:end], batch_scores.squeeze(0).tolist()):
                    score_tuples.append((cand_id, score))
                idx += args.eval_batch_size
            top = sorted(score_tuples, key=lambda x: x[1], reverse=True)[:args.top_k]
            fout.write("{}\n".format(json.dumps({query_key: query_id, out_key: [entry[0] for entry in top]})))
            queries += 1
    query_seconds, query_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({"load_seconds": load_seconds, "query_seconds": query_seconds, "queries": queries,
                      "load_cpu_seconds": load_cpu, "query_cpu_seconds": query_cpu}))


if __name__ == "__main__":
    main()
