#include "ArgParser.h"
#include "Commands.h"
#include "ProgressBar.h"

#include "common/Error.h"
#include "models/ModelCatalog.h"
#include "models/ModelStore.h"
#include "net/ModelDownload.h"

#include <QCoreApplication>

#include <cstdio>
#include <memory>

namespace clipwb::cli {
namespace fs = std::filesystem;
namespace {

std::string column(std::string text, std::size_t width)
{
    if (text.size() < width)
        text.append(width - text.size(), ' ');
    return text + "  ";
}

/// Bytes as whole MB (rounded down) for the progress bar, whose total is fixed once known.
std::int64_t megabytes(std::int64_t bytes)
{
    return bytes / 1000000;
}

/// The core's byte progress as bars on stderr: one for the download ("MB"), one for the hashing
/// ("MB verified"), each started at its stage's first report and finished when the next begins.
/// The download reports before the server answers too, with a total of 0 until it knows it.
class ByteBars {
public:
    ProgressCallback callback()
    {
        return [this](const Progress& bytes) {
            if (!m_bar || bytes.stage != m_stage) {
                if (m_bar)
                    m_bar->finish();
                m_stage = bytes.stage;
                m_bar = std::make_unique<ProgressBar>(m_stage == "download" ? "MB" : "MB verified",
                                                      megabytes(bytes.total));
            }
            m_bar->setTotal(megabytes(bytes.total)); // 0 until the server said it
            m_bar->update(megabytes(bytes.done));
            return true;
        };
    }
    void finish()
    {
        if (m_bar)
            m_bar->finish();
    }

private:
    std::unique_ptr<ProgressBar> m_bar;
    std::string m_stage;
};

/// Where a downloaded or imported model now is, its size and SHA-256.
void printRecord(const models::ModelStore& store, const models::ModelRecord& record)
{
    std::printf("%s: %s\n  size %llu bytes, sha256 %s\n", record.name.c_str(),
                (store.folder() / record.file).c_str(), static_cast<unsigned long long>(record.size),
                record.sha256.c_str());
}

} // namespace

// models list | download NAME [--mirror M] | import FILE [--name NAME] | verify NAME | path NAME
int runModels(const Args& args)
{
    ArgParser parser;
    parser
        .option("mirror", "download: huggingface (default, or $HF_ENDPOINT when set), modelscope, or an "
                          "http(s) endpoint laid out like Hugging Face")
        .option("name", "import: the model the file is (default: recognised by its tensor shapes)")
        .option("catalog", "extra catalog entries (a JSON list, see README \"Pretrained models\")")
        .option("models-dir",
                "the model folder (default: $CLIPWB_MODELS_DIR, else ~/.local/share/clipwb/clipwb/models)");
    parser.parse(args);
    const auto& positionals = parser.positionals();
    CLIPWB_CHECK(!positionals.empty(), "expected list, download NAME, import FILE, verify NAME or path NAME");
    const std::string action = positionals.front();
    const auto catalogFile = parser.value("catalog");
    const std::vector<models::CatalogModel> catalog =
        models::loadCatalog(catalogFile ? std::optional<fs::path>(*catalogFile) : std::nullopt);
    models::ModelStore store(parser.has("models-dir") ? fs::path(*parser.value("models-dir"))
                                                      : models::ModelStore::defaultFolder());
    const auto needName = [&](const char* what) {
        CLIPWB_CHECK(positionals.size() == 2, "models ", action, ": expected one ", what);
        return positionals[1];
    };
    const auto modelNamed = [&](const std::string& name) {
        const models::CatalogModel* model = models::findModel(catalog, name);
        if (!model) {
            std::string names;
            for (const auto& m : catalog)
                names += (names.empty() ? "" : ", ") + m.name;
            throw Error("unknown model '" + name + "' (" + names + ")");
        }
        return *model;
    };

    if (action == "list") {
        CLIPWB_CHECK(positionals.size() == 1, "models list takes no argument");
        std::printf("%s%s%s%s%s\n", column("NAME", 13).c_str(), column("ARCHITECTURE", 46).c_str(),
                    column("SIZE", 10).c_str(), column("SOURCE", 38).c_str(), "STATUS");
        for (const auto& model : catalog) {
            std::string status = "not downloaded";
            std::error_code error;
            if (const auto path = store.installedPath(model.name)) {
                status = path->string();
            } else if (fs::exists(store.partialPathOf(model), error)) {
                status = "partial: " + models::humanSize(fs::file_size(store.partialPathOf(model), error)) +
                         " (download again to resume)";
            }
            const std::string arch =
                model.visionModel + " + " + model.textModel + " @" + std::to_string(model.resolution);
            const std::string size =
                (model.size ? "" : "~") + models::humanSize(model.size ? model.size : model.approxBytes);
            std::printf("%s%s%s%s%s\n", column(model.name, 13).c_str(), column(arch, 46).c_str(),
                        column(size, 10).c_str(), column("OFA-Sys/" + model.repo, 38).c_str(),
                        status.c_str());
        }
        std::printf("\nfolder: %s\n", store.folder().c_str());
        return 0;
    }
    if (action == "path") {
        const models::CatalogModel model = modelNamed(needName("model name"));
        const auto path = store.installedPath(model.name);
        CLIPWB_CHECK(path, model.name, " is not downloaded (clipwb-cli models download ", model.name, ")");
        std::printf("%s\n", path->c_str());
        return 0;
    }
    if (action == "download") {
        const models::CatalogModel model = modelNamed(needName("model name"));
        int argc = 1;
        char name[] = "clipwb-cli";
        char* argv[] = {name, nullptr};
        QCoreApplication app(argc, argv); // Qt Network needs one for its event loop
        const std::string mirror = parser.valueOr("mirror", "");
        std::fprintf(stderr, "downloading %s from %s\n", model.name.c_str(),
                     models::downloadUrl(model, mirror).c_str());
        ByteBars bars;
        const models::ModelRecord record = net::downloadModel(store, model, mirror, bars.callback());
        bars.finish();
        printRecord(store, record);
        return 0;
    }
    if (action == "import") {
        const fs::path file = needName("file");
        ByteBars bars;
        const models::ModelRecord record =
            models::importModelFile(store, catalog, file, parser.valueOr("name", ""), bars.callback());
        bars.finish();
        printRecord(store, record);
        return 0;
    }
    if (action == "verify") {
        const models::CatalogModel model = modelNamed(needName("model name"));
        const auto record = store.record(model.name);
        CLIPWB_CHECK(record, model.name, " is not downloaded (clipwb-cli models download ", model.name, ")");
        ByteBars bars;
        models::ModelRecord checked = models::verifyModelFile(store.folder() / record->file, model,
                                                              record->size, record->sha256, bars.callback());
        bars.finish();
        checked.file = record->file;
        checked.source = record->source;
        store.putRecord(checked);
        std::printf("%s: OK (%llu bytes, %s + %s, sha256 %s)\n", model.name.c_str(),
                    static_cast<unsigned long long>(checked.size), model.visionModel.c_str(),
                    model.textModel.c_str(), checked.sha256.c_str());
        return 0;
    }
    throw Error("unknown models action '" + action + "' (list, download, import, verify, path)");
}

} // namespace clipwb::cli
