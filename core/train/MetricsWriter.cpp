#include "train/MetricsWriter.h"

#include "common/AtomicFile.h"
#include "common/Error.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>

namespace clipwb::train {
namespace {

double unixSeconds()
{
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

} // namespace

MetricsWriter::MetricsWriter(const std::filesystem::path& path, int64_t keepUpToStep, bool tensorBoard)
    : m_path(path)
{
    if (keepUpToStep >= 0 && std::filesystem::exists(path)) {
        std::istringstream in(readFile(path));
        std::string kept, line;
        while (std::getline(in, line)) {
            const auto record = nlohmann::json::parse(line, nullptr, false);
            if (record.is_discarded() || !record.is_object())
                continue; // a partial last line left by a killed run
            if (record.contains("step") && record["step"].is_number() &&
                record["step"].get<int64_t>() > keepUpToStep)
                continue;
            kept += line + "\n";
        }
        writeFileAtomic(path, kept);
    }
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (keepUpToStep >= 0 && tensorBoard)
        TensorBoardWriter::dropStepsAfter(dir, keepUpToStep);
    m_file = std::fopen(path.c_str(), "a");
    CLIPWB_CHECK(m_file, "cannot write ", path.string(), ": ", std::strerror(errno));
    if (tensorBoard)
        m_tensorBoard = std::make_unique<TensorBoardWriter>(dir);
}

MetricsWriter::~MetricsWriter()
{
    if (m_file)
        std::fclose(m_file);
}

void MetricsWriter::writeRecord(const nlohmann::json& record)
{
    const std::string withNewline = record.dump() + "\n";
    errno = 0;
    const bool ok = std::fwrite(withNewline.data(), 1, withNewline.size(), m_file) == withNewline.size() &&
                    std::fflush(m_file) == 0;
    // The cause in plain words (disk full: "No space left on device"); a partial line left
    // behind is dropped when the run resumes (the constructor skips lines that do not parse).
    CLIPWB_CHECK(ok, "cannot write ", m_path.string(), ": ", std::strerror(errno ? errno : EIO));
    if (m_tensorBoard)
        m_tensorBoard->writeMetricsRecord(record);
}

void MetricsWriter::writeStep(const StepMetrics& m)
{
    nlohmann::json j = {{"type", "train"},
                        {"step", m.step},
                        {"epoch", m.epoch},
                        {"loss", m.loss},
                        {"i2t", m.i2t},
                        {"t2i", m.t2i},
                        {"lr", m.lr},
                        {"logit_scale", m.logitScale},
                        {"samples_per_s", m.samplesPerSecond},
                        {"time", unixSeconds()},
                        {"step_time_s", m.stepTimeSeconds},
                        {"data_wait_s", m.dataWaitSeconds},
                        {"max_steps", m.maxSteps}};
    if (m.lossScale > 0) {
        j["loss_scale"] = m.lossScale;
        j["skipped"] = m.skipped;
    }
    writeRecord(j);
}

void MetricsWriter::writeValidation(const ValidationMetrics& m)
{
    nlohmann::json j = {
        {"type", "val"},       {"step", m.step}, {"epoch", m.epoch},      {"loss", m.loss},
        {"i2t", m.i2t},        {"t2i", m.t2i},   {"time", unixSeconds()}, {"num_samples", m.numSamples},
        {"seconds", m.seconds}};
    if (m.hasRecall) {
        j["t2i_r1"] = m.t2iR1;
        j["t2i_r5"] = m.t2iR5;
        j["t2i_r10"] = m.t2iR10;
        j["i2t_r1"] = m.i2tR1;
        j["i2t_r5"] = m.i2tR5;
        j["i2t_r10"] = m.i2tR10;
        j["mean_recall"] = m.meanRecall;
    }
    writeRecord(j);
}

} // namespace clipwb::train
