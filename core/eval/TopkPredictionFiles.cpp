#include "eval/TopkPredictionFiles.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "eval/BlockedTopK.h"
#include "eval/FeatureTable.h"
#include "eval/RecallEvaluation.h"

#include <chrono>
#include <future>

namespace clipwb::eval {
namespace {

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

TopkPredictionReport makeTopkPredictionFiles(const TopkPredictionJob& job)
{
    CLIPWB_CHECK(job.k > 0, "--top-k must be positive, got ", job.k);
    CLIPWB_CHECK(!job.textToImageOutput.empty() || !job.imageToTextOutput.empty(), "no output requested");
    TopkPredictionReport report;
    auto start = std::chrono::steady_clock::now();
    auto imagesLater = std::async(std::launch::async, [&] { return FeatureTable::readJsonl(job.imageFeatures, "image_id"); });
    FeatureTable texts;
    try {
        texts = FeatureTable::readJsonl(job.textFeatures, "text_id");
    } catch (...) {
        imagesLater.wait();
        throw;
    }
    const FeatureTable images = imagesLater.get();
    CLIPWB_CHECK(images.dim == texts.dim, "feature widths differ: ", job.imageFeatures.string(), " has ",
                 images.dim, " values a line, ", job.textFeatures.string(), " has ", texts.dim);
    report.images = images.rows();
    report.texts = texts.rows();
    report.dim = images.dim;
    report.readSeconds = secondsSince(start);

    start = std::chrono::steady_clock::now();
    BlockedTopKOptions options;
    options.k = job.k;
    options.rowsToColumns = !job.textToImageOutput.empty();
    options.columnsToRows = !job.imageToTextOutput.empty();
    options.rowBlock = job.textBlock;
    options.columnBlock = job.imageBlock;
    const BlockedTopKResult result =
        blockedTopK(texts.values.data(), texts.rows(), images.values.data(), images.rows(), texts.dim, options);
    report.searchSeconds = secondsSince(start);

    start = std::chrono::steady_clock::now();
    if (options.rowsToColumns)
        writeFileAtomic(job.textToImageOutput,
                        predictionsJsonl(RetrievalDirection::TextToImage, texts.ids, result.rowsToColumns, images.ids));
    if (options.columnsToRows)
        writeFileAtomic(job.imageToTextOutput,
                        predictionsJsonl(RetrievalDirection::ImageToText, images.ids, result.columnsToRows, texts.ids));
    report.writeSeconds = secondsSince(start);
    return report;
}

} // namespace clipwb::eval
