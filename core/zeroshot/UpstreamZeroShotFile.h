#pragma once
// The files of upstream's zeroshot_evaluation.py: the --index file read, and
// the {save_dir}/{dataset}.json written byte for byte as upstream writes it
// (json.dumps of a dict whose floats were rounded to 6 decimals by a
// json.loads(parse_float=round(float(x), 6)) round trip; one line, no newline).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace clipwb::zeroshot {

struct UpstreamZeroShotOutput {
    std::string modelName;   ///< "CN-CLIP-" + --vision-model
    std::string datasetName; ///< --dataset
    std::int64_t numParams = 0;
    std::int64_t numVisualParams = 0;
    std::int64_t rows = 0, classes = 0;
    std::vector<float> probabilities; ///< rows x classes, row-major, in output order
};

/// The JSON text upstream writes.
std::string renderUpstreamZeroShotJson(const UpstreamZeroShotOutput& output);

/// {saveDir}/{dataset}.json (saveDir empty: the current folder), written atomically; saveDir is
/// created when missing. Returns the path written.
std::filesystem::path writeUpstreamZeroShotJson(const std::filesystem::path& saveDir,
                                                const UpstreamZeroShotOutput& output);

/// Python's round(x, 6) on a double (correctly rounded, ties to even on the exact value).
double pythonRound6(double value);

/// "CN-CLIP-" + the vision model as upstream names it: a config path ("x/Tiny-ViT.json") counts as
/// its file name without ".json", so that upstream's name ("Tiny-ViT") comes out.
std::string upstreamModelName(const std::string& visionModel);

/// An --index file: a JSON list of integers. Throws clipwb::Error naming the file.
std::vector<std::int64_t> readIndexFile(const std::filesystem::path& path);

} // namespace clipwb::zeroshot
