#pragma once
// Image resizing that reproduces PIL (Pillow >= 4.3) byte for byte, because upstream's
// torchvision Resize((R, R), BICUBIC) runs on PIL images and the reference numbers depend on it.
// OpenCV's INTER_CUBIC is a different filter (no antialiasing, a = -0.75) and does not match.
// No LibTorch here.
#include "data/ImageDecoder.h"

#include <opencv2/core.hpp>

namespace clipwb::data {

/// PIL's ImagingResample with the BICUBIC filter (a = -0.5, support scaled by the downscale
/// factor, coefficients normalised and quantised to 22-bit fixed point, horizontal pass then
/// vertical pass, each rounded and clipped to 8 bits). src: CV_8UC1, CV_8UC3 or CV_8UC4 (every
/// channel resampled independently; may be a region of interest). Same size returns a copy.
cv::Mat pilResampleBicubic(const cv::Mat& src, int width, int height);

/// PIL's Image.resize(..., NEAREST) (ImagingScaleAffine: pixel centres, accumulated steps).
cv::Mat pilResizeNearest(const cv::Mat& src, int width, int height);

/// PIL's "RGBA" -> "RGBa" (premultiply) and back, as Image.resize does around resampling RGBA.
cv::Mat pilPremultiplyAlpha(const cv::Mat& rgba);
cv::Mat pilUnpremultiplyAlpha(const cv::Mat& rgba);

/// PIL's Image.resize(size, BICUBIC) for the mode the decoded image has in PIL, followed by
/// convert('RGB'): RGBA is resampled premultiplied, palette images with NEAREST. CV_8UC3 RGB.
/// region: the part of the image to resize (a crop before the resize), the whole image if empty.
cv::Mat pilResizeToRgb(const DecodedImage& image, int width, int height, cv::Rect region = {});

} // namespace clipwb::data
