#include "train/TrainerEventStream.h"

#include <nlohmann/json.hpp>

namespace clipwb::train {
namespace {

using nlohmann::json;

std::string levelName(LogLevel level)
{
    return level == LogLevel::Info ? "info" : level == LogLevel::Warning ? "warning" : "error";
}

// Numbers and strings a newer writer leaves out keep their defaults.
template <typename T> void get(const json& j, const char* key, T& value)
{
    const auto it = j.find(key);
    if (it != j.end() && !it->is_null())
        value = it->get<T>();
}

} // namespace

void TrainerEventWriter::write(const std::string& line)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    std::fputs(std::string(kTrainerEventPrefix).c_str(), m_out);
    std::fputs(line.c_str(), m_out);
    std::fputc('\n', m_out);
    std::fflush(m_out);
}

void TrainerEventWriter::onStarted(const RunInfo& i)
{
    write(json{{"event", "started"},
               {"run_dir", i.runDir.string()},
               {"name", i.name},
               {"device", i.device},
               {"precision", i.precision},
               {"max_steps", i.maxSteps},
               {"max_epochs", i.maxEpochs},
               {"batches_per_epoch", i.batchesPerEpoch},
               {"steps_per_epoch", i.stepsPerEpoch},
               {"start_step", i.startStep},
               {"start_epoch", i.startEpoch},
               {"train_samples", i.trainSamples},
               {"valid_samples", i.validSamples},
               {"global_batch_size", i.globalBatchSize},
               {"world_size", i.worldSize},
               {"rank", i.rank},
               {"parameters", i.parameterCount},
               {"trainable_parameters", i.trainableParameterCount},
               {"resumed_from", i.resumedFrom}}
              .dump());
    if (m_next)
        m_next->onStarted(i);
}

void TrainerEventWriter::onStep(const StepMetrics& m)
{
    write(json{{"event", "step"},
               {"step", m.step},
               {"epoch", m.epoch},
               {"max_steps", m.maxSteps},
               {"batch_in_epoch", m.batchInEpoch},
               {"batches_per_epoch", m.batchesPerEpoch},
               {"loss", m.loss},
               {"i2t", m.i2t},
               {"t2i", m.t2i},
               {"lr", m.lr},
               {"logit_scale", m.logitScale},
               {"samples_per_s", m.samplesPerSecond},
               {"step_time_s", m.stepTimeSeconds},
               {"data_wait_s", m.dataWaitSeconds},
               {"loss_scale", m.lossScale},
               {"skipped", m.skipped},
               {"elapsed_s", m.elapsedSeconds},
               {"eta_s", m.etaSeconds}}
              .dump());
    if (m_next)
        m_next->onStep(m);
}

void TrainerEventWriter::onValidation(const ValidationMetrics& m)
{
    write(json{{"event", "validation"},
               {"step", m.step},
               {"epoch", m.epoch},
               {"loss", m.loss},
               {"i2t", m.i2t},
               {"t2i", m.t2i},
               {"num_samples", m.numSamples},
               {"seconds", m.seconds},
               {"has_recall", m.hasRecall},
               {"t2i_r1", m.t2iR1},
               {"t2i_r5", m.t2iR5},
               {"t2i_r10", m.t2iR10},
               {"i2t_r1", m.i2tR1},
               {"i2t_r5", m.i2tR5},
               {"i2t_r10", m.i2tR10},
               {"mean_recall", m.meanRecall}}
              .dump());
    if (m_next)
        m_next->onValidation(m);
}

void TrainerEventWriter::onCheckpointSaved(const std::filesystem::path& path, int64_t epoch, int64_t step)
{
    write(json{{"event", "checkpoint"}, {"path", path.string()}, {"epoch", epoch}, {"step", step}}.dump());
    if (m_next)
        m_next->onCheckpointSaved(path, epoch, step);
}

void TrainerEventWriter::onLog(LogLevel level, const std::string& text)
{
    // dump() with replace: a log line quoting a file name in another encoding stays one event.
    write(json{{"event", "log"}, {"level", levelName(level)}, {"text", text}}.dump(
        -1, ' ', false, json::error_handler_t::replace));
    if (m_next)
        m_next->onLog(level, text);
}

void TrainerEventWriter::onFinished(bool stopped)
{
    write(json{{"event", "finished"}, {"stopped", stopped}}.dump());
    if (m_next)
        m_next->onFinished(stopped);
}

void TrainerEventWriter::onFailed(const std::string& message)
{
    write(
        json{{"event", "failed"}, {"message", message}}.dump(-1, ' ', false, json::error_handler_t::replace));
    if (m_next)
        m_next->onFailed(message);
}

bool readTrainerEvent(std::string_view line, TrainerObserver& target)
{
    if (line.substr(0, kTrainerEventPrefix.size()) != kTrainerEventPrefix)
        return false;
    const json j = json::parse(line.substr(kTrainerEventPrefix.size()), nullptr, false);
    if (!j.is_object() || !j.contains("event") || !j["event"].is_string())
        return false;
    const std::string event = j["event"].get<std::string>();
    try {
        if (event == "started") {
            RunInfo i;
            std::string dir;
            get(j, "run_dir", dir);
            i.runDir = dir;
            get(j, "name", i.name);
            get(j, "device", i.device);
            get(j, "precision", i.precision);
            get(j, "max_steps", i.maxSteps);
            get(j, "max_epochs", i.maxEpochs);
            get(j, "batches_per_epoch", i.batchesPerEpoch);
            get(j, "steps_per_epoch", i.stepsPerEpoch);
            get(j, "start_step", i.startStep);
            get(j, "start_epoch", i.startEpoch);
            get(j, "train_samples", i.trainSamples);
            get(j, "valid_samples", i.validSamples);
            get(j, "global_batch_size", i.globalBatchSize);
            get(j, "world_size", i.worldSize);
            get(j, "rank", i.rank);
            get(j, "parameters", i.parameterCount);
            get(j, "trainable_parameters", i.trainableParameterCount);
            get(j, "resumed_from", i.resumedFrom);
            target.onStarted(i);
        } else if (event == "step") {
            StepMetrics m;
            get(j, "step", m.step);
            get(j, "epoch", m.epoch);
            get(j, "max_steps", m.maxSteps);
            get(j, "batch_in_epoch", m.batchInEpoch);
            get(j, "batches_per_epoch", m.batchesPerEpoch);
            get(j, "loss", m.loss);
            get(j, "i2t", m.i2t);
            get(j, "t2i", m.t2i);
            get(j, "lr", m.lr);
            get(j, "logit_scale", m.logitScale);
            get(j, "samples_per_s", m.samplesPerSecond);
            get(j, "step_time_s", m.stepTimeSeconds);
            get(j, "data_wait_s", m.dataWaitSeconds);
            get(j, "loss_scale", m.lossScale);
            get(j, "skipped", m.skipped);
            get(j, "elapsed_s", m.elapsedSeconds);
            get(j, "eta_s", m.etaSeconds);
            target.onStep(m);
        } else if (event == "validation") {
            ValidationMetrics m;
            get(j, "step", m.step);
            get(j, "epoch", m.epoch);
            get(j, "loss", m.loss);
            get(j, "i2t", m.i2t);
            get(j, "t2i", m.t2i);
            get(j, "num_samples", m.numSamples);
            get(j, "seconds", m.seconds);
            get(j, "has_recall", m.hasRecall);
            get(j, "t2i_r1", m.t2iR1);
            get(j, "t2i_r5", m.t2iR5);
            get(j, "t2i_r10", m.t2iR10);
            get(j, "i2t_r1", m.i2tR1);
            get(j, "i2t_r5", m.i2tR5);
            get(j, "i2t_r10", m.i2tR10);
            get(j, "mean_recall", m.meanRecall);
            target.onValidation(m);
        } else if (event == "checkpoint") {
            std::string path;
            int64_t epoch = 0, step = 0;
            get(j, "path", path);
            get(j, "epoch", epoch);
            get(j, "step", step);
            target.onCheckpointSaved(path, epoch, step);
        } else if (event == "log") {
            std::string level = "info", text;
            get(j, "level", level);
            get(j, "text", text);
            target.onLog(level == "error"     ? LogLevel::Error
                         : level == "warning" ? LogLevel::Warning
                                              : LogLevel::Info,
                         text);
        } else if (event == "finished") {
            bool stopped = false;
            get(j, "stopped", stopped);
            target.onFinished(stopped);
        } else if (event == "failed") {
            std::string message;
            get(j, "message", message);
            target.onFailed(message);
        } else {
            return false;
        }
    } catch (const json::exception&) {
        return false; // a field of the wrong type: not one of ours
    }
    return true;
}

} // namespace clipwb::train
