#pragma once
// Upstream's evaluation image transform, exactly: torchvision Resize((R, R), BICUBIC) on the PIL
// image, convert('RGB'), ToTensor, Normalize with CLIP's mean and std.
#include "data/ImageDecoder.h"

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <array>

namespace clipwb::data {

inline constexpr std::array<float, 3> kClipMean{0.48145466f, 0.4578275f, 0.40821073f};
inline constexpr std::array<float, 3> kClipStd{0.26862954f, 0.26130258f, 0.27577711f};

/// [3, R, R] float32, normalised. rgb: CV_8UC3 in RGB order (CV_8UC1 grey and CV_8UC4 RGBA are
/// accepted and treated as PIL's "L" and "RGBA").
torch::Tensor preprocessForEval(const cv::Mat& rgb, int resolution);
torch::Tensor preprocessForEval(const DecodedImage& image, int resolution);

/// The same, written into `out` (3 * R * R floats, channel-major): the loader fills its batch in place.
void preprocessForEvalInto(const DecodedImage& image, int resolution, float* out);

/// ToTensor + Normalize of an 8-bit RGB image into 3 * H * W channel-major floats.
void normalizeRgbInto(const cv::Mat& rgb, float* out);

/// The same image as 3 * H * W channel-major bytes, not normalised (see normalizeImages).
void rgbPlanesInto(const cv::Mat& rgb, uint8_t* out);

/// preprocessForEvalInto's resize, into 3 * R * R channel-major bytes, not normalised.
void preprocessPixelsForEvalInto(const DecodedImage& image, int resolution, uint8_t* out);

/// ToTensor + Normalize of uint8 [.., 3, H, W] pixels on their own device (a CUDA batch is sent
/// as bytes, a quarter of the floats), through the same per-channel table as normalizeRgbInto:
/// bit-identical to it on every device. A float tensor is returned as it is (already normalised).
torch::Tensor normalizeImages(const torch::Tensor& pixels);

} // namespace clipwb::data
