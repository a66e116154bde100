#pragma once
// Upstream's training augmentation (use_augment): timm's create_transform(is_training=True,
// scale=(0.9, 1.0), interpolation='bicubic', auto_augment='original', color_jitter=None):
// RandomResizedCrop (ratio 3/4..4/3, PIL bicubic) -> RandomHorizontalFlip(0.5) -> convert('RGB')
// -> AutoAugment 'original' ImageNet policy (fill = CLIP mean in 8 bits, BICUBIC) -> ToTensor ->
// Normalize. Random numbers come from a generator seeded per (seed, epoch, sample) so that a
// sample's augmentation does not depend on the number of workers or on the order of decoding.
// No LibTorch in this header.
#include "data/ImageDecoder.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <random>

namespace clipwb::data {

class TrainTransform {
public:
    struct Options {
        int resolution = 224;
        double scaleMin = 0.9, scaleMax = 1.0; ///< RandomResizedCrop area fraction
        double ratioMin = 3.0 / 4.0, ratioMax = 4.0 / 3.0;
        double horizontalFlip = 0.5; ///< timm's default hflip
        bool autoAugment = true;     ///< AutoAugment 'original'
    };

    explicit TrainTransform(Options options);
    explicit TrainTransform(int resolution);

    const Options& options() const { return options_; }

    /// The augmented image: CV_8UC3 RGB, resolution x resolution.
    cv::Mat augment(const DecodedImage& image, uint64_t sampleSeed) const;

    /// augment, then ToTensor + Normalize into 3 * R * R channel-major floats.
    void augmentInto(const DecodedImage& image, uint64_t sampleSeed, float* out) const;
    /// augment into 3 * R * R channel-major bytes, not normalised (data::normalizeImages).
    void augmentPixelsInto(const DecodedImage& image, uint64_t sampleSeed, uint8_t* out) const;

    /// The generator seed of one sample: a mix of the run seed, the epoch and the sample's
    /// position in the (padded) dataset.
    static uint64_t sampleSeed(uint64_t seed, int64_t epoch, int64_t position);

    /// RandomResizedCrop's get_params: the crop (x, y, width, height) for an image of this size.
    cv::Rect cropFor(int width, int height, std::mt19937_64& random) const;

    /// One AutoAugment 'original' step: a random sub-policy applied to an RGB image.
    static cv::Mat autoAugmentOriginal(const cv::Mat& rgb, std::mt19937_64& random);

private:
    Options options_;
};

} // namespace clipwb::data
