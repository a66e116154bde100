#include "eval/FeatureExtractor.h"

#include "common/Error.h"
#include "data/ImageDecoder.h"
#include "data/ImageTransform.h"
#include "data/LmdbSplit.h"
#include "eval/JsonLines.h"
#include "eval/RetrievalSession.h"
#include "model/ClipWeights.h"
#include "model/ModelConfig.h"
#include "model/TorchCheckpoint.h"

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace clipwb::eval {
namespace {

torch::Device chooseDevice(const std::string& name)
{
    if (name.empty() || name == "auto")
        return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    try {
        const torch::Device device(name);
        CLIPWB_CHECK(!device.is_cuda() || torch::cuda::is_available(), "device ", name,
                     ": CUDA is not available in this build or on this machine");
        return device;
    } catch (const c10::Error&) {
        throw Error("unknown device '" + name + "' (cpu, cuda, cuda:N or auto)");
    }
}

void appendRows(FeatureTable& table, const torch::Tensor& features)
{
    const torch::Tensor cpu = features.to(torch::kCPU, torch::kFloat32).contiguous();
    if (table.dim == 0)
        table.dim = cpu.size(1);
    const float* data = cpu.data_ptr<float>();
    table.values.insert(table.values.end(), data, data + cpu.numel());
}

torch::Tensor normalised(const torch::Tensor& features)
{
    // upstream: features /= features.norm(dim=-1, keepdim=True)
    return features / features.norm(2, -1, true);
}

} // namespace

FeatureExtractor::FeatureExtractor(const FeatureExtractorOptions& options)
    : m_options(options), m_tokenizer(options.vocab.empty() ? text::Tokenizer::fromEmbeddedVocab()
                                                            : text::Tokenizer::fromFile(options.vocab))
{
    CLIPWB_CHECK(options.precision == "amp" || options.precision == "fp32" || options.precision == "fp16",
                 "--precision must be amp, fp16 or fp32, got '", options.precision, "'");
    CLIPWB_CHECK(options.contextLength >= 2, "--context-length must be at least 2");
    CLIPWB_CHECK(!options.checkpoint.empty(), "no checkpoint given (--resume)");
    CLIPWB_CHECK(std::filesystem::exists(options.checkpoint), "the checkpoint file ",
                 options.checkpoint.string(), " does not exist");
    m_device = chooseDevice(options.device);
    const model::ClipModelConfig config = model::loadModelConfig(options.visionModel, options.textModel);
    m_model = model::Clip(config);
    const model::TorchCheckpoint checkpoint = model::readTorchCheckpoint(options.checkpoint);
    m_epoch = checkpoint.epoch;
    m_step = checkpoint.step;
    // upstream: load_state_dict(strict) after dropping bert.pooler and `module.`
    model::NamedTensors stateDict;
    for (const auto& [key, tensor] : checkpoint.stateDict)
        if (key.find("bert.pooler") == std::string::npos)
            stateDict.emplace_back(key, tensor);
    try {
        model::loadClipWeights(m_model, stateDict, /*strict=*/true);
    } catch (const Error& e) {
        throw Error(options.checkpoint.string() + " does not fit " + options.visionModel + " + " +
                    options.textModel + ": " + e.what());
    }
    if (options.precision == "fp16")
        model::roundLikeUpstreamConvertWeights(m_model);
    m_model->eval();
    m_model->to(m_device);
}

int FeatureExtractor::resolution() const
{
    return static_cast<int>(m_model->config().imageResolution);
}

std::int64_t FeatureExtractor::embedDim() const
{
    return m_model->config().embedDim;
}

torch::Tensor FeatureExtractor::encodeTexts(const std::vector<std::string>& texts)
{
    const int length = m_options.contextLength;
    torch::Tensor tokens = torch::zeros({static_cast<std::int64_t>(texts.size()), length}, torch::kInt64);
    std::int64_t* out = tokens.data_ptr<std::int64_t>();
    at::parallel_for(0, static_cast<std::int64_t>(texts.size()), 8,
                     [&](std::int64_t begin, std::int64_t end) {
                         for (std::int64_t i = begin; i < end; ++i)
                             m_tokenizer.encodeInto(text::preprocessText(texts[static_cast<std::size_t>(i)]),
                                                    length, out + i * length);
                     });
    torch::NoGradGuard noGrad;
    return normalised(m_model->encodeText(tokens.to(m_device))).to(torch::kCPU, torch::kFloat32);
}

torch::Tensor FeatureExtractor::encodeImages(const std::vector<std::string>& encodedImages,
                                             const std::vector<std::string>& names)
{
    const int r = resolution();
    const auto n = static_cast<std::int64_t>(encodedImages.size());
    torch::Tensor pixels = torch::empty({n, 3, r, r}, torch::kFloat32);
    float* out = pixels.data_ptr<float>();
    std::vector<std::string> errors(static_cast<std::size_t>(n));
    at::parallel_for(0, n, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
            try {
                const data::DecodedImage image = data::decodeImage(encodedImages[static_cast<std::size_t>(i)],
                                                                   names[static_cast<std::size_t>(i)]);
                data::preprocessForEvalInto(image, r, out + i * 3 * r * r);
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(i)] = e.what();
            }
        }
    });
    for (const auto& error : errors)
        CLIPWB_CHECK(error.empty(), error);
    return encodePixels(pixels);
}

torch::Tensor FeatureExtractor::encodePixels(const torch::Tensor& pixels)
{
    torch::NoGradGuard noGrad;
    return normalised(m_model->encodeImage(pixels.to(m_device))).to(torch::kCPU, torch::kFloat32);
}

namespace {
std::int64_t countParameters(const torch::nn::Module& module)
{
    std::int64_t count = 0;
    for (const auto& parameter : module.parameters())
        count += parameter.numel();
    return count;
}
} // namespace

std::int64_t FeatureExtractor::parameterCount() const
{
    return countParameters(*m_model);
}

std::int64_t FeatureExtractor::visualParameterCount() const
{
    return countParameters(*m_model->visual());
}

FeatureTable FeatureExtractor::extractTexts(const std::vector<std::pair<std::int64_t, std::string>>& texts,
                                            std::int64_t batchSize, const ProgressCallback& progress)
{
    CLIPWB_CHECK(batchSize > 0, "--text-batch-size must be positive");
    FeatureTable table;
    table.idKey = "text_id";
    table.dim = 0;
    const auto total = static_cast<std::int64_t>(texts.size());
    reportProgress(progress, {0.0, "texts", 0, total});
    for (std::int64_t start = 0; start < total; start += batchSize) {
        const std::int64_t end = std::min(total, start + batchSize);
        std::vector<std::string> batch;
        for (std::int64_t i = start; i < end; ++i) {
            table.ids.push_back(texts[static_cast<std::size_t>(i)].first);
            batch.push_back(texts[static_cast<std::size_t>(i)].second);
        }
        appendRows(table, encodeTexts(batch));
        reportProgress(progress, {double(end) / double(total), "texts", end, total});
    }
    if (table.dim == 0)
        table.dim = embedDim();
    return table;
}

FeatureTable FeatureExtractor::extractImages(const data::LmdbSplit& split,
                                             const std::vector<std::int64_t>& imageIds,
                                             std::int64_t batchSize, const ProgressCallback& progress)
{
    CLIPWB_CHECK(batchSize > 0, "--img-batch-size must be positive");
    FeatureTable table;
    table.idKey = "image_id";
    table.dim = 0;
    const auto total = static_cast<std::int64_t>(imageIds.size());
    reportProgress(progress, {0.0, "images", 0, total});
    for (std::int64_t start = 0; start < total; start += batchSize) {
        const std::int64_t end = std::min(total, start + batchSize);
        std::vector<std::string> bytes, names;
        for (std::int64_t i = start; i < end; ++i) {
            const std::int64_t id = imageIds[static_cast<std::size_t>(i)];
            table.ids.push_back(id);
            bytes.push_back(split.imageBytes(id));
            names.push_back("image " + std::to_string(id) + " of " + split.path().string());
        }
        appendRows(table, encodeImages(bytes, names));
        reportProgress(progress, {double(end) / double(total), "images", end, total});
    }
    if (table.dim == 0)
        table.dim = embedDim();
    return table;
}

std::vector<std::pair<std::int64_t, std::string>> readTextsJsonl(const std::filesystem::path& path)
{
    std::vector<std::pair<std::int64_t, std::string>> texts;
    forEachJsonLine(path, "the annotation file " + path.string() + " does not exist or is not readable",
                    [&](std::int64_t line, const nlohmann::json& object) {
                        const std::string where = path.string() + ":" + std::to_string(line) + ": ";
                        const auto id = object.find("text_id");
                        CLIPWB_CHECK(id != object.end(), where, "missing key \"text_id\"");
                        CLIPWB_CHECK(id->is_number_integer(), where, "\"text_id\" is not an integer");
                        const auto text = object.find("text");
                        CLIPWB_CHECK(text != object.end(), where, "missing key \"text\"");
                        // upstream applies str() to the value
                        texts.emplace_back(id->get<std::int64_t>(),
                                           text->is_string() ? text->get<std::string>() : text->dump());
                    });
    return texts;
}

} // namespace clipwb::eval
