#pragma once
// The generated demo dataset: images of drawn shapes (circle, square,
// triangle, star, cross, diamond, hexagon, rectangle) in several colours on
// plain or striped backgrounds, one or two objects, of different sizes and
// positions, some with noise, captioned in Chinese ("浅蓝背景上的一个大的红色圆形",
// "灰色背景上的黄色五角星和蓝色十字"). Written in upstream's raw format
// ({split}_imgs.tsv, {split}_texts.jsonl) and as LMDB (lmdb/{split}).
// Deterministic for a seed. Sized so that Tiny-ViT + Tiny-BERT learn retrieval
// within minutes on a CPU.
#include "common/Progress.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace clipwb::data {

struct DemoDatasetOptions {
    std::filesystem::path outDir;
    std::int64_t trainImages = 2000;
    std::int64_t validImages = 200;
    int resolution = 64; // Tiny-ViT's input size
    std::uint64_t seed = 20240601;
};

struct DemoDatasetSummary {
    std::int64_t trainPairs = 0, validPairs = 0, trainTexts = 0, validTexts = 0;
};

/// progress may return false to stop (throws clipwb::Cancelled).
DemoDatasetSummary makeDemoDataset(const DemoDatasetOptions& options,
                                   const ProgressCallback& progress = {});

/// One demo image (JPEG bytes) and its caption, for tests and previews.
struct DemoSample {
    std::string jpeg;
    std::string caption;
};
DemoSample makeDemoSample(std::uint64_t seed, int resolution);

} // namespace clipwb::data
