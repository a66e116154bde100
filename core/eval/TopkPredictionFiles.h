#pragma once
// make_topk_predictions.py and make_topk_predictions_tr.py in one pass:
// image and text feature jsonl in, prediction jsonl out (either direction or both).
#include <cstdint>
#include <filesystem>

namespace clipwb::eval {

struct TopkPredictionJob {
    std::filesystem::path imageFeatures;     ///< {"image_id", "feature"} lines
    std::filesystem::path textFeatures;      ///< {"text_id", "feature"} lines
    std::int64_t k = 10;
    std::filesystem::path textToImageOutput; ///< {"text_id", "image_ids"} lines; empty: not written
    std::filesystem::path imageToTextOutput; ///< {"image_id", "text_ids"} lines; empty: not written
    std::int64_t textBlock = 2048;           ///< texts per score block
    std::int64_t imageBlock = 4096;          ///< images per score block
};

struct TopkPredictionReport {
    std::int64_t images = 0, texts = 0, dim = 0;
    double readSeconds = 0, searchSeconds = 0, writeSeconds = 0;
};

/// Runs the job; outputs are written atomically. Throws clipwb::Error naming the
/// file and line of bad input, or both files when their widths differ.
TopkPredictionReport makeTopkPredictionFiles(const TopkPredictionJob& job);

} // namespace clipwb::eval
