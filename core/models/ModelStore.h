#pragma once
// The per-user folder of downloaded and imported checkpoints
// (~/.local/share/clipwb/clipwb/models on Linux, the same folder Qt's
// AppLocalDataLocation names for the GUI) and its manifest models.json: per
// model its file, size, SHA-256, source and when it was verified. Verifying a
// file reads it with our safe checkpoint reader (no pickled code runs) and
// checks that its tensors are the catalog architecture's. No Qt here.
#include "common/Progress.h"
#include "models/ModelCatalog.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace clipwb::models {

struct ModelRecord {
    std::string name;
    std::string file; ///< inside the store folder
    std::uint64_t size = 0;
    std::string sha256;
    std::string source; ///< the URL it came from, or "import: <original path>"
    std::string visionModel, textModel;
    std::string verifiedAt; ///< UTC, ISO 8601
};

class ModelStore {
public:
    /// $CLIPWB_MODELS_DIR when set, else $XDG_DATA_HOME/clipwb/clipwb/models, else
    /// ~/.local/share/clipwb/clipwb/models.
    static std::filesystem::path defaultFolder();

    explicit ModelStore(std::filesystem::path folder = defaultFolder());

    const std::filesystem::path& folder() const { return m_folder; }
    std::filesystem::path pathOf(const CatalogModel& model) const { return m_folder / model.file; }
    /// Where a download in progress keeps its bytes (resumed from there).
    std::filesystem::path partialPathOf(const CatalogModel& model) const;

    /// The manifest's records (missing or unreadable manifest: none; a broken one is reported).
    std::vector<ModelRecord> records() const;
    std::optional<ModelRecord> record(const std::string& name) const;
    /// Adds or replaces the record of that name (manifest written atomically).
    void putRecord(const ModelRecord& record);
    void removeRecord(const std::string& name);

    /// The checkpoint of a model when it is recorded and its file is there.
    std::optional<std::filesystem::path> installedPath(const std::string& name) const;

private:
    std::filesystem::path manifestPath() const { return m_folder / "models.json"; }
    std::filesystem::path m_folder;
};

/// Checks a checkpoint for a catalog model: its size (expectedSize or the catalog's exact size,
/// when known), that our safe reader reads it, that its tensors have the model's architecture,
/// and its SHA-256 (against expectedSha256 or the catalog's, when known). Returns the record
/// (name, size, sha256, architecture, time; file and source left to the caller). Throws
/// clipwb::Error with the first problem, naming the file. progress sees the hashing (stage
/// "sha256", in bytes); returning false stops with clipwb::Cancelled.
ModelRecord verifyModelFile(const std::filesystem::path& file, const CatalogModel& model,
                            std::optional<std::uint64_t> expectedSize = std::nullopt,
                            const std::string& expectedSha256 = {}, const ProgressCallback& progress = {});

/// The catalog model whose architecture a checkpoint has (by its tensor shapes), or nullptr.
const CatalogModel* identifyCheckpoint(const std::vector<CatalogModel>& catalog,
                                       const std::filesystem::path& file);

/// Imports a checkpoint downloaded by other means: identifies it (or takes `name`), verifies it,
/// links or copies it into the store and records it. Returns the record. progress as for
/// verifyModelFile.
ModelRecord importModelFile(ModelStore& store, const std::vector<CatalogModel>& catalog,
                            const std::filesystem::path& file, const std::string& name = {},
                            const ProgressCallback& progress = {});

/// The current UTC time as "2026-12-03T07:15:00Z".
std::string utcNow();

} // namespace clipwb::models
