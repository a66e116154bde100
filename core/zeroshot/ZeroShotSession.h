#pragma once
// One checkpoint's zero-shot work for the GUI, with its caches: the model is
// loaded once, image features are kept per dataset folder (keyed by its image
// list), the classifier per (class names, templates). Editing the labels or the
// templates and running again therefore only encodes the prompts. With a
// feature cache folder, image features are also kept on disk per checkpoint
// (FeatureCacheFile): a later session encodes nothing it did before. Calls run on
// the caller's thread (a worker); one call at a time per session. No LibTorch
// in this header.
#include "common/Progress.h"
#include "zeroshot/ImageFolder.h"
#include "zeroshot/ZeroShotScores.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace clipwb::zeroshot {

struct ZeroShotModel {
    std::string checkpoint;
    /// Empty: found from the run's config.json, the model store or the tensor shapes.
    std::string visionModel;
    std::string textModel;
    std::string precision = "fp32";
    std::string device = "auto";
    int contextLength = 52;
    std::int64_t imageBatchSize = 64;
    /// Where image features are kept between sessions; empty: in memory only.
    std::filesystem::path featureCache;
};

class ZeroShotSession {
public:
    explicit ZeroShotSession(ZeroShotModel model);
    ~ZeroShotSession();
    ZeroShotSession(const ZeroShotSession&) = delete;
    ZeroShotSession& operator=(const ZeroShotSession&) = delete;

    /// The model settings (vision and text filled in once the model is loaded).
    const ZeroShotModel& model() const { return m_model; }

    /// Scores of folder's images against the classes. progress sees the stages "model" (loading
    /// it, the first 10% of the job), "images" (encoding them, to 80%; skipped when cached) and
    /// "prompts" (the classifier, the rest; skipped when cached). Throws clipwb::Error, or
    /// clipwb::Cancelled when progress returned false (caches keep what was complete).
    ZeroShotScores evaluate(const ImageFolder& folder, const std::vector<std::string>& classNames,
                            const std::vector<std::string>& templates, const ProgressCallback& progress = {});

    /// How many image sets are cached (for tests and the status line).
    int cachedImageSets() const;
    /// The feature file the last evaluate() read or wrote (empty without a feature cache folder).
    std::filesystem::path lastFeatureFile() const;
    /// True when the last evaluate() took its image features from memory or the disk cache.
    bool lastImagesCached() const;
    std::string deviceName() const;

private:
    struct Impl;
    ZeroShotModel m_model;
    std::unique_ptr<Impl> m_impl;
};

} // namespace clipwb::zeroshot
