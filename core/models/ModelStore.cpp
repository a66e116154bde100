#include "models/ModelStore.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "common/Sha256.h"
#include "model/CheckpointInfo.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <ctime>
#include <unistd.h>

namespace clipwb::models {
namespace fs = std::filesystem;
namespace {

nlohmann::json toJson(const ModelRecord& r)
{
    return {{"name", r.name},
            {"file", r.file},
            {"size", r.size},
            {"sha256", r.sha256},
            {"source", r.source},
            {"vision_model", r.visionModel},
            {"text_model", r.textModel},
            {"verified_at", r.verifiedAt}};
}

ModelRecord fromJson(const nlohmann::json& j)
{
    ModelRecord r;
    r.name = j.value("name", "");
    r.file = j.value("file", "");
    r.size = j.value("size", std::uint64_t{0});
    r.sha256 = j.value("sha256", "");
    r.source = j.value("source", "");
    r.visionModel = j.value("vision_model", "");
    r.textModel = j.value("text_model", "");
    r.verifiedAt = j.value("verified_at", "");
    return r;
}

std::string sameName(const std::string& name)
{
    std::string out;
    for (char c : name)
        out += c == '/' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

/// The shipped config name of a catalog entry's tower (a JSON path counts as its file stem).
std::string configName(const std::string& nameOrPath)
{
    const fs::path path(nameOrPath);
    return path.extension() == ".json" ? path.stem().string() : nameOrPath;
}

} // namespace

fs::path ModelStore::defaultFolder()
{
    if (const char* dir = std::getenv("CLIPWB_MODELS_DIR"); dir && *dir)
        return dir;
    if (const char* data = std::getenv("XDG_DATA_HOME"); data && *data)
        return fs::path(data) / "clipwb/clipwb/models";
    const char* home = std::getenv("HOME");
    return fs::path(home && *home ? home : ".") / ".local/share/clipwb/clipwb/models";
}

ModelStore::ModelStore(fs::path folder) : m_folder(std::move(folder))
{
}

fs::path ModelStore::partialPathOf(const CatalogModel& model) const
{
    return m_folder / (model.file + ".part");
}

std::vector<ModelRecord> ModelStore::records() const
{
    std::error_code error;
    if (!fs::exists(manifestPath(), error))
        return {};
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(readFile(manifestPath()));
    } catch (const nlohmann::json::exception& e) {
        throw Error(manifestPath().string() + ": not JSON (" + e.what() + ")");
    }
    CLIPWB_CHECK(json.is_object() && json.contains("models") && json["models"].is_array(),
                 manifestPath().string(), ": expected {\"models\": [...]}");
    std::vector<ModelRecord> out;
    for (const auto& item : json["models"]) {
        CLIPWB_CHECK(item.is_object(), manifestPath().string(), ": a model entry is not an object");
        out.push_back(fromJson(item));
    }
    return out;
}

std::optional<ModelRecord> ModelStore::record(const std::string& name) const
{
    for (const auto& r : records())
        if (sameName(r.name) == sameName(name))
            return r;
    return std::nullopt;
}

void ModelStore::putRecord(const ModelRecord& record)
{
    std::vector<ModelRecord> all = records();
    bool replaced = false;
    for (auto& r : all)
        if (sameName(r.name) == sameName(record.name)) {
            r = record;
            replaced = true;
        }
    if (!replaced)
        all.push_back(record);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : all)
        list.push_back(toJson(r));
    fs::create_directories(m_folder);
    writeFileAtomic(manifestPath(), nlohmann::json{{"models", list}}.dump(2) + "\n");
}

void ModelStore::removeRecord(const std::string& name)
{
    std::vector<ModelRecord> all = records();
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : all)
        if (sameName(r.name) != sameName(name))
            list.push_back(toJson(r));
    fs::create_directories(m_folder);
    writeFileAtomic(manifestPath(), nlohmann::json{{"models", list}}.dump(2) + "\n");
}

std::optional<fs::path> ModelStore::installedPath(const std::string& name) const
{
    std::vector<ModelRecord> all;
    try {
        all = records();
    } catch (const Error&) {
        return std::nullopt;
    }
    for (const auto& r : all) {
        std::error_code error;
        if (sameName(r.name) == sameName(name) && fs::is_regular_file(m_folder / r.file, error))
            return m_folder / r.file;
    }
    return std::nullopt;
}

std::string utcNow()
{
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

ModelRecord verifyModelFile(const fs::path& file, const CatalogModel& model,
                            std::optional<std::uint64_t> expectedSize, const std::string& expectedSha256,
                            const ProgressCallback& progress)
{
    std::error_code error;
    CLIPWB_CHECK(fs::is_regular_file(file, error), "the checkpoint ", file.string(), " does not exist");
    const std::uint64_t size = fs::file_size(file, error);
    const std::uint64_t wanted = expectedSize ? *expectedSize : model.size;
    CLIPWB_CHECK(wanted == 0 || size == wanted, file.string(), ": wrong size: ", size, " bytes, expected ",
                 wanted, " (an interrupted or altered download)");
    model::CheckpointSummary summary;
    try {
        summary = model::readCheckpointSummary(file);
    } catch (const std::exception& e) {
        throw Error(file.string() + ": not a readable checkpoint: " + e.what());
    }
    const std::string vision = configName(model.visionModel), text = configName(model.textModel);
    CLIPWB_CHECK(
        summary.guessedVisionModel == vision && summary.guessedTextModel == text, file.string(),
        ": its tensors are not ", model.name, "'s architecture (", vision, " + ", text, "); they look like ",
        summary.guessedVisionModel.empty() ? "no shipped vision config" : summary.guessedVisionModel, " + ",
        summary.guessedTextModel.empty() ? "no shipped text config" : summary.guessedTextModel);
    const std::string sha = sha256OfFile(file, progress);
    const std::string wantedSha = expectedSha256.empty() ? model.sha256 : expectedSha256;
    CLIPWB_CHECK(wantedSha.empty() || sha == wantedSha, file.string(), ": SHA-256 ", sha,
                 " differs from the expected ", wantedSha, " (a corrupt download)");
    ModelRecord record;
    record.name = model.name;
    record.file = file.filename().string();
    record.size = size;
    record.sha256 = sha;
    record.visionModel = model.visionModel;
    record.textModel = model.textModel;
    record.verifiedAt = utcNow();
    return record;
}

const CatalogModel* identifyCheckpoint(const std::vector<CatalogModel>& catalog, const fs::path& file)
{
    const model::CheckpointSummary summary = model::readCheckpointSummary(file);
    for (const auto& model : catalog)
        if (configName(model.visionModel) == summary.guessedVisionModel &&
            configName(model.textModel) == summary.guessedTextModel)
            return &model;
    return nullptr;
}

ModelRecord importModelFile(ModelStore& store, const std::vector<CatalogModel>& catalog, const fs::path& file,
                            const std::string& name, const ProgressCallback& progress)
{
    std::error_code error;
    CLIPWB_CHECK(fs::is_regular_file(file, error), "the file ", file.string(), " does not exist");
    const CatalogModel* model = nullptr;
    if (!name.empty()) {
        model = findModel(catalog, name);
        CLIPWB_CHECK(model, "unknown model '", name, "' (clipwb-cli models list shows the names)");
    } else {
        try {
            model = identifyCheckpoint(catalog, file);
        } catch (const std::exception& e) {
            throw Error(file.string() + ": not a readable checkpoint: " + e.what());
        }
        CLIPWB_CHECK(model, file.string(),
                     ": its architecture is none of the known models; name one with --name");
    }
    ModelRecord record = verifyModelFile(file, *model, std::nullopt, {}, progress);
    fs::create_directories(store.folder());
    const fs::path target = store.pathOf(*model);
    if (fs::exists(target, error) && fs::equivalent(target, file, error)) {
        // already in place
    } else {
        // A hard link costs nothing on the same file system; else copy through a temporary name.
        const fs::path temporary = target.string() + ".import-" + std::to_string(::getpid());
        fs::remove(temporary, error);
        fs::create_hard_link(file, temporary, error);
        if (error) {
            error.clear();
            fs::copy_file(file, temporary, fs::copy_options::overwrite_existing, error);
            CLIPWB_CHECK(!error, "cannot copy ", file.string(), " to ", temporary.string(), ": ",
                         error.message());
        }
        fs::rename(temporary, target, error);
        CLIPWB_CHECK(!error, "cannot move ", temporary.string(), " to ", target.string(), ": ",
                     error.message());
    }
    record.file = target.filename().string();
    record.source = "import: " + fs::absolute(file).string();
    store.putRecord(record);
    return record;
}

} // namespace clipwb::models
