#include "zeroshot/ZeroShotSession.h"

#include "common/Error.h"
#include "eval/FeatureExtractor.h"
#include "models/CheckpointArchitecture.h"
#include "zeroshot/ZeroShotEncoder.h"

#include <map>
#include <mutex>

namespace clipwb::zeroshot {

struct ZeroShotSession::Impl {
    std::mutex mutex;
    std::unique_ptr<eval::FeatureExtractor> extractor;
    /// image list (paths joined) -> features
    std::map<std::string, torch::Tensor> images;
    /// names + templates -> classifier
    std::map<std::pair<std::vector<std::string>, std::vector<std::string>>, torch::Tensor> classifiers;
};

namespace {

std::string imageListKey(const ImageFolder& folder)
{
    std::string key;
    for (const ImageFolderSample& sample : folder.samples()) {
        key += sample.path.string();
        key += '\n';
    }
    return key;
}

} // namespace

ZeroShotSession::ZeroShotSession(ZeroShotModel model)
    : m_model(std::move(model)), m_impl(std::make_unique<Impl>())
{
}

ZeroShotSession::~ZeroShotSession() = default;

ZeroShotScores ZeroShotSession::evaluate(const ImageFolder& folder,
                                         const std::vector<std::string>& classNames,
                                         const std::vector<std::string>& templates,
                                         const ZeroShotProgress& progress,
                                         const std::function<bool()>& cancel)
{
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    if (!m_impl->extractor) {
        if (progress)
            progress(ZeroShotStage::LoadingModel, 0, 1);
        if (m_model.visionModel.empty() || m_model.textModel.empty()) {
            const models::CheckpointArchitecture architecture = models::architectureOf(m_model.checkpoint);
            m_model.visionModel = architecture.visionModel;
            m_model.textModel = architecture.textModel;
        }
        eval::FeatureExtractorOptions options;
        options.checkpoint = m_model.checkpoint;
        options.visionModel = m_model.visionModel;
        options.textModel = m_model.textModel;
        options.precision = m_model.precision;
        options.device = m_model.device;
        options.contextLength = m_model.contextLength;
        m_impl->extractor = std::make_unique<eval::FeatureExtractor>(options);
        if (progress)
            progress(ZeroShotStage::LoadingModel, 1, 1);
    }
    CLIPWB_CHECK(classNames.size() >= folder.classFolders().size(), classNames.size(), " class names for ",
                 folder.classFolders().size(), " class folders in ", folder.root().string());
    const std::string key = imageListKey(folder);
    auto images = m_impl->images.find(key);
    if (images == m_impl->images.end()) {
        torch::Tensor features = encodeImageFolder(
            *m_impl->extractor, folder, m_model.imageBatchSize,
            [&](std::int64_t done, std::int64_t total) {
                if (progress)
                    progress(ZeroShotStage::Images, done, total);
            },
            cancel);
        images = m_impl->images.emplace(key, features).first;
    }
    const auto classifierKey = std::make_pair(classNames, templates);
    auto classifier = m_impl->classifiers.find(classifierKey);
    if (classifier == m_impl->classifiers.end()) {
        torch::Tensor weights = buildClassifier(
            *m_impl->extractor, classNames, templates,
            [&](std::int64_t done, std::int64_t total) {
                if (progress)
                    progress(ZeroShotStage::Prompts, done, total);
            },
            cancel);
        if (m_impl->classifiers.size() >= 8) // label edits: keep the few most useful
            m_impl->classifiers.clear();
        classifier = m_impl->classifiers.emplace(classifierKey, weights).first;
    }
    return scoreImages(images->second, classifier->second, folder.targets());
}

int ZeroShotSession::cachedImageSets() const
{
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    return static_cast<int>(m_impl->images.size());
}

std::string ZeroShotSession::deviceName() const
{
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    return m_impl->extractor ? m_impl->extractor->device().str() : std::string();
}

} // namespace clipwb::zeroshot
