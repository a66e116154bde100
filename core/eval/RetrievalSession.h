#pragma once
// The engine behind the GUI retrieval browser: one checkpoint evaluated on
// one LMDB split. Features of every image and text are extracted once and
// cached on disk (upstream feature jsonl files, keyed by checkpoint, models
// and data), then queries and recall run on the cached matrices.
// Torch-free header (pimpl): ui/ may include it.
#include "common/Error.h"
#include "common/Progress.h"
#include "eval/RecallEvaluation.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace clipwb::eval {

struct RetrievalSessionOptions {
    std::filesystem::path checkpoint;                       ///< torch.save checkpoint (upstream or ours)
    std::string visionModel = "ViT-B-16";                   ///< shipped config name or JSON path
    std::string textModel = "RoBERTa-wwm-ext-base-chinese"; ///< shipped config name or JSON path
    std::filesystem::path split;                            ///< LMDB split folder holding imgs/ and pairs/
    /// Optional upstream `X_texts.jsonl` ({"text_id","text","image_ids"}); empty: the split's pair texts.
    std::filesystem::path textsJsonl;
    /// Where features are cached; empty: $XDG_CACHE_HOME/clipwb/features (or ~/.cache/...).
    std::filesystem::path cacheRoot;
    int contextLength = 52;
    std::int64_t imageBatchSize = 64;
    std::int64_t textBatchSize = 64;
    std::string device = "cpu"; ///< "cpu", "cuda", "cuda:N" (when LibTorch has CUDA)
};

struct RetrievalText {
    std::int64_t textId = 0;
    std::string text;
    std::vector<std::int64_t> goldImageIds; ///< images this text describes
};

struct ImageHit {
    std::int64_t imageId = 0;
    float score = 0; ///< cosine similarity
};

struct TextHit {
    std::int64_t textId = 0;
    std::string text;
    float score = 0;
};

/// Recall of one direction, in percent as upstream's output.json.
struct DirectionRecall {
    double r1 = 0, r5 = 0, r10 = 0;
    double meanRecall = 0; ///< (r1 + r5 + r10) / 3
    std::int64_t queries = 0;
};

/// upstream's output.json figures: recall fractions in percent.
DirectionRecall recallInPercent(const RecallScores& scores);

/// A query whose gold answer is not among the top k (k = 10: the R@10 misses).
struct FailedQuery {
    std::int64_t queryId = 0; ///< text id (text to image) or image id (image to text)
    std::string text;         ///< the query text (text to image only)
    std::vector<std::int64_t> goldIds;
    std::vector<std::int64_t> topIds; ///< best first
    std::vector<float> topScores;
};

struct RetrievalEvaluation {
    DirectionRecall textToImage; ///< upstream evaluation.py
    DirectionRecall imageToText; ///< upstream evaluation_tr.py (gold inverted from the texts)
    double meanRecall = 0;       ///< mean of the six recalls, percent
    std::vector<FailedQuery> failedTextQueries;
    std::vector<FailedQuery> failedImageQueries;
};

class RetrievalSession {
public:
    explicit RetrievalSession(RetrievalSessionOptions options);
    ~RetrievalSession();
    RetrievalSession(RetrievalSession&&) noexcept;
    RetrievalSession& operator=(RetrievalSession&&) noexcept;

    const RetrievalSessionOptions& options() const;
    /// Folder of this checkpoint/model/data combination's cached features.
    std::filesystem::path cacheDirectory() const;

    /// Loads the model and the split, then reads the cached features or extracts
    /// them (writing the cache). Blocking: call it from a worker thread. progress (stages
    /// "model", "cache", "texts", "images"; done and total count items) is called from that
    /// thread; returning false stops with clipwb::Cancelled. Throws clipwb::Error otherwise.
    void prepare(const ProgressCallback& progress = {});
    bool isPrepared() const;

    std::vector<std::int64_t> imageIds() const; ///< in the split's (LMDB key) order
    const std::vector<RetrievalText>& texts() const;

    /// The k images closest to a free text (encoded by the model), best first.
    std::vector<ImageHit> queryText(const std::string& text, int k) const;
    /// The k texts closest to an image of the split, best first; throws for an unknown id.
    std::vector<TextHit> queryImage(std::int64_t imageId, int k) const;
    /// R@1/5/10 both ways over the split, plus the queries missed at R@10.
    RetrievalEvaluation evaluate() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace clipwb::eval
