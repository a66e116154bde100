# Upstream Chinese-CLIP's recall computation (cn_clip/eval/evaluation.py and
# evaluation_tr.py, with the image-to-text gold made as
# transform_ir_annotation_to_tr.py makes it), rewritten compactly for the
# cross-check: GOLD_texts.jsonl PREDICTIONS.jsonl OUTPUT.json [--image-to-text]
import json
import sys


def main():
    gold_path, pred_path, out_path = sys.argv[1:4]
    image_to_text = "--image-to-text" in sys.argv[4:]
    reference = {}
    with open(gold_path, encoding="utf-8") as fin:
        for line in fin:
            obj = json.loads(line.strip())
            reference[obj["text_id"]] = obj["image_ids"]
    if image_to_text:
        inverted = {}
        for text_id, image_ids in reference.items():
            for image_id in image_ids:
                inverted.setdefault(image_id, []).append(text_id)
        reference = inverted
    query_key, list_key = ("image_id", "text_ids") if image_to_text else ("text_id", "image_ids")
    predictions = {}
    with open(pred_path, encoding="utf-8") as fin:
        for line in fin:
            obj = json.loads(line.strip())
            predictions[obj[query_key]] = obj[list_key]
    r1 = r5 = r10 = 0
    for qid in reference.keys():
        truth = set(reference[qid])
        top = predictions[qid]
        r1 += any(i in top[:1] for i in truth)
        r5 += any(i in top[:5] for i in truth)
        r10 += any(i in top[:10] for i in truth)
    r1, r5, r10 = r1 * 1.0 / len(reference), r5 * 1.0 / len(reference), r10 * 1.0 / len(reference)
    mean_recall = (r1 + r5 + r10) / 3.0
    result = {"success": True, "score": mean_recall * 100,
              "scoreJson": {"score": mean_recall * 100, "mean_recall": mean_recall * 100,
                            "r1": r1 * 100, "r5": r5 * 100, "r10": r10 * 100}}
    with open(out_path, "w", encoding="utf-8") as fout:
        json.dump(result, fout)


if __name__ == "__main__":
    main()
