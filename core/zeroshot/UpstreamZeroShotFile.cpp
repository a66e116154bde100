#include "zeroshot/UpstreamZeroShotFile.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "eval/PythonJson.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

namespace clipwb::zeroshot {

double pythonRound6(double value)
{
    // Python formats the correctly rounded decimal (dtoa mode 3) and parses it back; glibc's
    // printf rounds the exact binary value the same way (ties to even).
    char buffer[400];
    std::snprintf(buffer, sizeof buffer, "%.6f", value);
    return std::strtod(buffer, nullptr);
}

std::string renderUpstreamZeroShotJson(const UpstreamZeroShotOutput& output)
{
    std::string out;
    out.reserve(static_cast<std::size_t>(output.rows * output.classes) * 10 + 256);
    out += "{\"model_name\": " + eval::pythonJsonString(output.modelName);
    out += ", \"dataset_name\": " + eval::pythonJsonString(output.datasetName);
    out += ", \"num_trainable_params\": 0, \"num_params\": " + std::to_string(output.numParams);
    out += ", \"num_visual_params\": " + std::to_string(output.numVisualParams);
    out += ", \"num_backbone_params\": " + std::to_string(output.numParams);
    out += ", \"n_shot\": 0, \"rnd_seeds\": [123], \"predictions\": [[";
    for (std::int64_t r = 0; r < output.rows; ++r) {
        if (r)
            out += ", ";
        out += '[';
        for (std::int64_t c = 0; c < output.classes; ++c) {
            if (c)
                out += ", ";
            // tolist() widens float32 to a double before json.dumps and the rounding
            eval::appendPythonFloat(
                out, pythonRound6(static_cast<double>(
                         output.probabilities[static_cast<std::size_t>(r * output.classes + c)])));
        }
        out += ']';
    }
    out += "]]}";
    return out;
}

std::filesystem::path writeUpstreamZeroShotJson(const std::filesystem::path& saveDir,
                                                const UpstreamZeroShotOutput& output)
{
    CLIPWB_CHECK(static_cast<std::int64_t>(output.probabilities.size()) == output.rows * output.classes,
                 "zero-shot output: ", output.probabilities.size(), " values for ", output.rows, " x ",
                 output.classes);
    if (!saveDir.empty()) {
        std::error_code error;
        std::filesystem::create_directories(saveDir, error);
        CLIPWB_CHECK(!error, "cannot create --save-dir ", saveDir.string(), ": ", error.message());
    }
    const std::filesystem::path path = saveDir / (output.datasetName + ".json");
    writeFileAtomic(path, renderUpstreamZeroShotJson(output));
    return path;
}

std::string upstreamModelName(const std::string& visionModel)
{
    const std::filesystem::path path(visionModel);
    if (path.extension() == ".json")
        return "CN-CLIP-" + path.stem().string();
    return "CN-CLIP-" + visionModel;
}

std::vector<std::int64_t> readIndexFile(const std::filesystem::path& path)
{
    CLIPWB_CHECK(std::filesystem::is_regular_file(path), "the --index file ", path.string(),
                 " does not exist");
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(readFile(path));
    } catch (const nlohmann::json::exception& e) {
        throw Error(path.string() + ": not JSON (" + e.what() + ")");
    }
    CLIPWB_CHECK(json.is_array(), path.string(), ": expected a JSON list of image indices");
    std::vector<std::int64_t> index;
    index.reserve(json.size());
    for (std::size_t i = 0; i < json.size(); ++i) {
        CLIPWB_CHECK(json[i].is_number_integer(), path.string(), ": entry ", i, " is not an integer (",
                     json[i].dump(), ")");
        index.push_back(json[i].get<std::int64_t>());
    }
    return index;
}

} // namespace clipwb::zeroshot
