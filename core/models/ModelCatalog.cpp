#include "models/ModelCatalog.h"

#include "common/AtomicFile.h"
#include "common/Error.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace clipwb::models {
namespace {

CatalogModel official(const char* name, const char* vision, const char* text, int resolution,
                      const char* repo, const char* file, std::int64_t parameters)
{
    CatalogModel model;
    model.name = name;
    model.visionModel = vision;
    model.textModel = text;
    model.resolution = resolution;
    model.repo = repo;
    model.file = file;
    model.parameters = parameters;
    model.approxBytes = static_cast<std::uint64_t>(parameters) * 4;
    return model;
}

std::string canonicalName(const std::string& name)
{
    std::string out;
    for (char c : name)
        out += c == '/' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string withoutTrailingSlash(std::string url)
{
    while (!url.empty() && url.back() == '/')
        url.pop_back();
    return url;
}

} // namespace

std::vector<CatalogModel> officialModels()
{
    // Parameter counts: upstream's model card (README "Model Card", rounded to millions), ViT-B-16's
    // exact count from upstream's zero-shot output example.
    return {
        official("ViT-B-16", "ViT-B-16", "RoBERTa-wwm-ext-base-chinese", 224, "chinese-clip-vit-base-patch16",
                 "clip_cn_vit-b-16.pt", 188262913),
        official("ViT-L-14", "ViT-L-14", "RoBERTa-wwm-ext-base-chinese", 224,
                 "chinese-clip-vit-large-patch14", "clip_cn_vit-l-14.pt", 406000000),
        official("ViT-L-14-336", "ViT-L-14-336", "RoBERTa-wwm-ext-base-chinese", 336,
                 "chinese-clip-vit-large-patch14-336px", "clip_cn_vit-l-14-336.pt", 407000000),
        official("ViT-H-14", "ViT-H-14", "RoBERTa-wwm-ext-large-chinese", 224,
                 "chinese-clip-vit-huge-patch14", "clip_cn_vit-h-14.pt", 958000000),
        official("RN50", "RN50", "RBT3-chinese", 224, "chinese-clip-rn50", "clip_cn_rn50.pt", 77000000),
    };
}

std::vector<CatalogModel> loadCatalog(const std::optional<std::filesystem::path>& extra)
{
    std::vector<CatalogModel> catalog = officialModels();
    if (!extra)
        return catalog;
    const std::string where = extra->string();
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(readFile(*extra));
    } catch (const nlohmann::json::exception& e) {
        throw Error(where + ": not JSON (" + e.what() + ")");
    }
    CLIPWB_CHECK(json.is_array(), where, ": expected a JSON list of models");
    const auto base = extra->parent_path();
    for (std::size_t i = 0; i < json.size(); ++i) {
        const auto& item = json[i];
        const std::string at = where + ": model " + std::to_string(i);
        CLIPWB_CHECK(item.is_object(), at, ": expected an object");
        const auto text = [&](const char* key) {
            CLIPWB_CHECK(item.contains(key) && item[key].is_string(), at, ": \"", key, "\" must be a string");
            return item[key].get<std::string>();
        };
        CatalogModel model;
        model.name = text("name");
        model.repo = text("repo");
        model.file = text("file");
        CLIPWB_CHECK(model.file.find('/') == std::string::npos && model.file != ".." && !model.file.empty(),
                     at, ": \"file\" must be a plain file name");
        // config paths resolve against the catalog's folder, like every other path in clipwb's files
        const auto config = [&](const char* key) {
            const std::string value = text(key);
            return value.size() > 5 && value.substr(value.size() - 5) == ".json" &&
                           std::filesystem::path(value).is_relative()
                       ? (base / value).string()
                       : value;
        };
        model.visionModel = config("vision_model");
        model.textModel = config("text_model");
        const auto number = [&](const char* key, auto& out) {
            if (!item.contains(key))
                return;
            CLIPWB_CHECK(item[key].is_number_unsigned() || item[key].is_number_integer(), at, ": \"", key,
                         "\" must be an integer");
            out = item[key].get<std::remove_reference_t<decltype(out)>>();
        };
        number("resolution", model.resolution);
        number("parameters", model.parameters);
        number("size", model.size);
        model.approxBytes = model.size ? model.size : static_cast<std::uint64_t>(model.parameters) * 4;
        if (item.contains("sha256"))
            model.sha256 = text("sha256");
        bool replaced = false;
        for (auto& existing : catalog)
            if (canonicalName(existing.name) == canonicalName(model.name)) {
                existing = model;
                replaced = true;
            }
        if (!replaced)
            catalog.push_back(model);
    }
    return catalog;
}

const CatalogModel* findModel(const std::vector<CatalogModel>& catalog, const std::string& name)
{
    for (const auto& model : catalog)
        if (canonicalName(model.name) == canonicalName(name))
            return &model;
    return nullptr;
}

std::string downloadUrl(const CatalogModel& model, const std::string& mirror)
{
    std::string chosen = mirror;
    if (chosen.empty()) {
        const char* endpoint = std::getenv("HF_ENDPOINT");
        chosen = endpoint && *endpoint ? endpoint : kHuggingFace;
    }
    if (chosen == kHuggingFace || chosen == "hf")
        chosen = "https://huggingface.co";
    if (chosen == kModelScope || chosen == "ms")
        return "https://modelscope.cn/api/v1/models/AI-ModelScope/" + model.repo +
               "/repo?Revision=master&FilePath=" + model.file;
    CLIPWB_CHECK(chosen.rfind("http://", 0) == 0 || chosen.rfind("https://", 0) == 0, "unknown mirror '",
                 mirror, "' (huggingface, modelscope, or an http(s):// endpoint laid out like Hugging Face)");
    return withoutTrailingSlash(chosen) + "/OFA-Sys/" + model.repo + "/resolve/main/" + model.file;
}

std::string humanSize(std::uint64_t bytes)
{
    char text[32];
    if (bytes >= 1000000000ULL)
        std::snprintf(text, sizeof text, "%.2f GB", static_cast<double>(bytes) / 1e9);
    else if (bytes >= 1000000ULL)
        std::snprintf(text, sizeof text, "%.0f MB", static_cast<double>(bytes) / 1e6);
    else if (bytes >= 1000ULL)
        std::snprintf(text, sizeof text, "%.0f kB", static_cast<double>(bytes) / 1e3);
    else
        std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
    return text;
}

} // namespace clipwb::models
