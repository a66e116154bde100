#include "zeroshot/ZeroShotEncoder.h"

#include "common/Error.h"
#include "data/ImageTransform.h"
#include "zeroshot/PromptTemplates.h"
#include "zeroshot/RgbImageFile.h"

#include <ATen/Parallel.h>

namespace clipwb::zeroshot {

torch::Tensor buildClassifier(eval::FeatureExtractor& extractor, const std::vector<std::string>& classNames,
                              const std::vector<std::string>& templates, const ProgressCallback& progress)
{
    CLIPWB_CHECK(!templates.empty(), "no prompt template: at least one is needed, e.g. \"{}的照片。\"");
    CLIPWB_CHECK(!classNames.empty(), "no class name: the label file is empty");
    const auto total = static_cast<std::int64_t>(classNames.size());
    std::vector<torch::Tensor> columns;
    columns.reserve(classNames.size());
    reportProgress(progress, {0.0, "prompts", 0, total});
    for (std::int64_t c = 0; c < total; ++c) {
        std::vector<std::string> prompts;
        prompts.reserve(templates.size());
        for (const std::string& pattern : templates)
            prompts.push_back(fillTemplate(pattern, classNames[static_cast<std::size_t>(c)]));
        // encodeTexts preprocesses, tokenises and normalises each row.
        const torch::Tensor embeddings = extractor.encodeTexts(prompts);
        torch::Tensor mean = embeddings.mean(0);
        columns.push_back(mean / mean.norm());
        reportProgress(progress, {double(c + 1) / double(total), "prompts", c + 1, total});
    }
    return torch::stack(columns, 1).contiguous();
}

torch::Tensor encodeImageFolder(eval::FeatureExtractor& extractor, const ImageFolder& folder,
                                std::int64_t batchSize, const ProgressCallback& progress)
{
    CLIPWB_CHECK(batchSize > 0, "--img-batch-size must be positive");
    const int r = extractor.resolution();
    const std::int64_t total = folder.size();
    std::vector<torch::Tensor> parts;
    reportProgress(progress, {0.0, "images", 0, total});
    for (std::int64_t start = 0; start < total; start += batchSize) {
        const std::int64_t end = std::min(total, start + batchSize);
        torch::Tensor pixels = torch::empty({end - start, 3, r, r}, torch::kFloat32);
        float* out = pixels.data_ptr<float>();
        std::vector<std::string> errors(static_cast<std::size_t>(end - start));
        at::parallel_for(start, end, 1, [&](std::int64_t begin, std::int64_t stop) {
            for (std::int64_t i = begin; i < stop; ++i) {
                try {
                    const cv::Mat rgb = readRgbImageFile(folder.samples()[static_cast<std::size_t>(i)].path);
                    data::DecodedImage image;
                    image.pixels = rgb;
                    data::preprocessForEvalInto(image, r, out + (i - start) * 3 * r * r);
                } catch (const std::exception& e) {
                    errors[static_cast<std::size_t>(i - start)] = e.what();
                }
            }
        });
        for (const std::string& error : errors)
            CLIPWB_CHECK(error.empty(), error);
        parts.push_back(extractor.encodePixels(pixels));
        reportProgress(progress, {double(end) / double(total), "images", end, total});
    }
    if (parts.empty())
        return torch::empty({0, extractor.embedDim()}, torch::kFloat32);
    return torch::cat(parts, 0).contiguous();
}

ZeroShotScores scoreImages(const torch::Tensor& imageFeatures, const torch::Tensor& classifier,
                           std::vector<int> targets)
{
    CLIPWB_CHECK(imageFeatures.dim() == 2 && classifier.dim() == 2 &&
                     imageFeatures.size(1) == classifier.size(0),
                 "zero-shot: image features and classifier do not fit (", imageFeatures.sizes(), " vs ",
                 classifier.sizes(), ")");
    torch::NoGradGuard noGrad;
    const torch::Tensor logits =
        (100.0 * imageFeatures.to(torch::kFloat32).matmul(classifier.to(torch::kFloat32))).contiguous();
    const torch::Tensor probs = logits.softmax(-1).contiguous();
    return ZeroShotScores(
        imageFeatures.size(0), classifier.size(1),
        std::vector<float>(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel()),
        std::vector<float>(probs.data_ptr<float>(), probs.data_ptr<float>() + probs.numel()),
        std::move(targets));
}

} // namespace clipwb::zeroshot
