#pragma once
// The official Chinese-CLIP checkpoints (upstream's cn_clip/clip/utils.py:
// _MODELS and _MODEL_INFO, the model card in its README) and where each is
// downloaded from: Hugging Face (OFA-Sys/<repo>/resolve/main/<file>),
// ModelScope (AI-ModelScope/<repo>) or any Hugging Face-style endpoint
// (HF_ENDPOINT, a private mirror). No Qt, no network here.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace clipwb::models {

struct CatalogModel {
    std::string name;        ///< "ViT-B-16"
    std::string visionModel; ///< a shipped config name or a JSON path
    std::string textModel;
    int resolution = 224;
    std::string repo;              ///< "chinese-clip-vit-base-patch16"
    std::string file;              ///< "clip_cn_vit-b-16.pt"
    std::int64_t parameters = 0;   ///< the model card's count (all towers)
    std::uint64_t approxBytes = 0; ///< about parameters x 4 (fp32 weights); the server says the exact size
    std::uint64_t size = 0;        ///< exact size in bytes when known (0: unknown)
    std::string sha256;            ///< when known (64 hex digits)
};

/// The five official models, in upstream's order.
std::vector<CatalogModel> officialModels();

/// The official models plus the entries of an extra catalog file (a JSON list of objects with
/// the keys name, vision_model, text_model, repo, file and optionally resolution, parameters,
/// size, sha256; a name already present replaces it). Throws clipwb::Error naming the file/key.
std::vector<CatalogModel> loadCatalog(const std::optional<std::filesystem::path>& extra = std::nullopt);

/// The entry named `name` ("ViT-B/16" and "vit-b-16" are accepted for "ViT-B-16"), or nullptr.
const CatalogModel* findModel(const std::vector<CatalogModel>& catalog, const std::string& name);

/// The mirrors a user can pick by name.
inline constexpr const char* kHuggingFace = "huggingface";
inline constexpr const char* kModelScope = "modelscope";

/// The URL of a model's checkpoint on a mirror: "huggingface" (or "hf"), "modelscope" (or "ms"),
/// or an http(s) endpoint serving Hugging Face's layout ({endpoint}/OFA-Sys/{repo}/resolve/main/{file}).
/// An empty mirror means $HF_ENDPOINT when set, else Hugging Face. Throws for anything else.
std::string downloadUrl(const CatalogModel& model, const std::string& mirror);

/// "753 MB", "3.83 GB": decimal units, as model hubs show sizes.
std::string humanSize(std::uint64_t bytes);

} // namespace clipwb::models
