#include "zeroshot/ZeroShotSession.h"

#include "common/Error.h"
#include "eval/FeatureExtractor.h"
#include "models/CheckpointArchitecture.h"
#include "zeroshot/FeatureCacheFile.h"
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
    std::filesystem::path lastFeatureFile;
    bool lastImagesCached = false;
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

/// What image features depend on: the checkpoint file (path, size, time), the model, the
/// numerics, and every image (path, size, time).
std::string featureKey(const ZeroShotModel& model, const std::string& device, const ImageFolder& folder)
{
    std::error_code error;
    const std::filesystem::path checkpoint = std::filesystem::absolute(model.checkpoint, error);
    const auto size = std::filesystem::file_size(checkpoint, error);
    const auto time = std::filesystem::last_write_time(checkpoint, error);
    std::vector<std::filesystem::path> images;
    for (const ImageFolderSample& sample : folder.samples())
        images.push_back(std::filesystem::absolute(sample.path, error));
    return checkpoint.string() + '\n' + std::to_string(size) + '\n' +
           std::to_string(time.time_since_epoch().count()) + '\n' + model.visionModel + '\n' +
           model.textModel + '\n' + model.precision + '\n' + device + '\n' + imageListIdentity(images);
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
                                         const ProgressCallback& progress)
{
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    if (!m_impl->extractor) {
        reportProgress(progress, {0.0, "model", 0, 1});
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
        reportProgress(progress, {0.1, "model", 1, 1});
    }
    CLIPWB_CHECK(classNames.size() >= folder.classFolders().size(), classNames.size(), " class names for ",
                 folder.classFolders().size(), " class folders in ", folder.root().string());
    const std::string key = imageListKey(folder);
    auto images = m_impl->images.find(key);
    m_impl->lastImagesCached = images != m_impl->images.end();
    if (images == m_impl->images.end()) {
        std::filesystem::path file;
        std::string fileKey;
        torch::Tensor features;
        if (!m_model.featureCache.empty()) {
            fileKey = featureKey(m_model, m_impl->extractor->device().str(), folder);
            file = featureCachePath(m_model.featureCache,
                                    std::filesystem::path(m_model.checkpoint).stem().string(), fileKey);
            if (auto cached = readFeatureCache(file, fileKey, folder.size());
                cached && cached->dim == m_impl->extractor->embedDim()) {
                features =
                    torch::from_blob(cached->values.data(), {cached->rows, cached->dim}, torch::kFloat32)
                        .clone();
                m_impl->lastImagesCached = true;
            }
        }
        if (!features.defined()) {
            features = encodeImageFolder(*m_impl->extractor, folder, m_model.imageBatchSize,
                                         progressWithin(progress, 0.1, 0.7));
            if (!file.empty()) {
                CachedFeatures out;
                out.rows = features.size(0);
                out.dim = features.size(1);
                const torch::Tensor contiguous = features.contiguous();
                out.values.assign(contiguous.data_ptr<float>(),
                                  contiguous.data_ptr<float>() + contiguous.numel());
                try {
                    writeFeatureCache(file, fileKey, out);
                } catch (const std::exception&) {
                    file.clear(); // a read-only cache folder costs the next session the encoding, nothing
                                  // else
                }
            }
        }
        m_impl->lastFeatureFile = file;
        images = m_impl->images.emplace(key, features).first;
    }
    const auto classifierKey = std::make_pair(classNames, templates);
    auto classifier = m_impl->classifiers.find(classifierKey);
    if (classifier == m_impl->classifiers.end()) {
        torch::Tensor weights =
            buildClassifier(*m_impl->extractor, classNames, templates, progressWithin(progress, 0.8, 0.2));
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

std::filesystem::path ZeroShotSession::lastFeatureFile() const
{
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    return m_impl->lastFeatureFile;
}

bool ZeroShotSession::lastImagesCached() const
{
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    return m_impl->lastImagesCached;
}

std::string ZeroShotSession::deviceName() const
{
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    return m_impl->extractor ? m_impl->extractor->device().str() : std::string();
}

} // namespace clipwb::zeroshot
