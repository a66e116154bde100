#pragma once
// Writes run folders shaped like the trainer's ({logs}/{name}/ with
// config.json, metrics.jsonl, train.log, checkpoints/) for the GUI tests.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace synthetic {

inline std::string trainLine(int step, int stepsPerEpoch, int maxSteps, double startTime = 1.7e9)
{
    const double progress = double(step) / maxSteps;
    char line[512];
    std::snprintf(line, sizeof line,
                  "{\"type\":\"train\",\"step\":%d,\"epoch\":%d,\"loss\":%.6f,\"i2t\":%.4f,\"t2i\":%.4f,"
                  "\"lr\":%.4e,\"logit_scale\":%.4f,\"samples_per_s\":%.2f,\"time\":%.3f,"
                  "\"step_time_s\":0.2,\"data_wait_s\":0.05,\"max_steps\":%d}",
                  step, (step - 1) / stepsPerEpoch + 1, 2.8 * std::exp(-3 * progress) + 0.1 * std::sin(step * 0.7),
                  std::min(1.0, 0.1 + progress * 0.8 + 0.05 * std::sin(step)),
                  std::min(1.0, 0.08 + progress * 0.8 + 0.05 * std::cos(step)),
                  5e-4 * std::min(1.0, step / 20.0) * 0.5 * (1 + std::cos(M_PI * progress)), 2.6593 + progress,
                  160.0 + 10 * std::sin(step * 0.1), startTime + step * 0.2, maxSteps);
    return line;
}

inline std::string valLine(int step, int epoch, int maxSteps, double startTime = 1.7e9)
{
    const double progress = double(step) / maxSteps;
    char line[256];
    std::snprintf(line, sizeof line,
                  "{\"type\":\"val\",\"step\":%d,\"epoch\":%d,\"loss\":%.6f,\"i2t\":%.4f,\"t2i\":%.4f,"
                  "\"time\":%.3f}",
                  step, epoch, 2.9 * std::exp(-2.5 * progress), 0.1 + 0.7 * progress, 0.1 + 0.68 * progress,
                  startTime + step * 0.2 + 0.1);
    return line;
}

inline void append(const std::filesystem::path& path, const std::string& text)
{
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << text;
}

/// Appends steps [from, to] (and a validation every validEvery steps) to dir/metrics.jsonl.
inline void appendSteps(const std::filesystem::path& dir, int from, int to, int maxSteps, int stepsPerEpoch = 50,
                        int validEvery = 50)
{
    std::string text;
    for (int step = from; step <= to; ++step) {
        text += trainLine(step, stepsPerEpoch, maxSteps) + "\n";
        if (validEvery > 0 && step % validEvery == 0)
            text += valLine(step, (step - 1) / stepsPerEpoch + 1, maxSteps) + "\n";
    }
    append(dir / "metrics.jsonl", text);
}

/// A run folder with `steps` of `maxSteps` done, a log and some checkpoints.
inline void writeRun(const std::filesystem::path& dir, int steps, int maxSteps, int stepsPerEpoch = 50)
{
    std::filesystem::create_directories(dir / "checkpoints");
    std::ofstream(dir / "config.json")
        << "{\"name\":\"" << dir.filename().string() << "\",\"logs\":\"" << dir.parent_path().string()
        << "\",\"train_data\":\"demo/lmdb/train\",\"val_data\":\"demo/lmdb/valid\",\"vision_model\":\"Tiny-ViT\","
           "\"text_model\":\"Tiny-BERT\",\"batch_size\":32,\"lr\":0.0005,\"max_steps\":"
        << maxSteps << ",\"max_epochs\":null,\"resume\":null}\n";
    appendSteps(dir, 1, steps, maxSteps, stepsPerEpoch);
    append(dir / "train.log", "2026-11-27 18:00:00 | INFO | Training on cpu, fp32\n"
                              "2026-11-27 18:00:05 | WARNING | 3 corrupt records skipped\n"
                              "2026-11-27 18:00:09 | INFO | Saved checkpoints/epoch1.pt\n");
    for (int epoch = 1; epoch * stepsPerEpoch <= steps; ++epoch)
        std::ofstream(dir / "checkpoints" / ("epoch" + std::to_string(epoch) + ".pt")) << std::string(1000 + epoch, 'c');
    std::ofstream(dir / "checkpoints" / "epoch_latest.pt") << std::string(2000, 'c');
}

} // namespace synthetic
