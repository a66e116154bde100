#pragma once
// The PIL operations that timm's AutoAugment applies (ImageOps, ImageEnhance, Image.transform
// with BICUBIC and a fill colour), reproduced on 8-bit RGB cv::Mat (CV_8UC3, R, G, B order) so
// that upstream's use_augment behaves the same. No LibTorch here.
#include <opencv2/core.hpp>

#include <array>

namespace clipwb::data::pil {

using Rgb = std::array<uint8_t, 3>;

/// Image.transform(size, AFFINE, a, BICUBIC, fillcolor=fill): output pixel (x, y) samples the
/// input at (a0 x' + a1 y' + a2, a3 x' + a4 y' + a5) with x' = x + 0.5 (PIL's bicubic, a = -1).
cv::Mat affineBicubic(const cv::Mat& rgb, const std::array<double, 6>& a, Rgb fill);
/// Image.rotate(degrees, BICUBIC, fillcolor=fill) (counter-clockwise, about the centre, same size).
cv::Mat rotate(const cv::Mat& rgb, double degrees, Rgb fill);
cv::Mat shearX(const cv::Mat& rgb, double factor, Rgb fill);
cv::Mat shearY(const cv::Mat& rgb, double factor, Rgb fill);
cv::Mat translateX(const cv::Mat& rgb, double pixels, Rgb fill);
cv::Mat translateY(const cv::Mat& rgb, double pixels, Rgb fill);

cv::Mat autoContrast(const cv::Mat& rgb);            ///< ImageOps.autocontrast(img)
cv::Mat equalize(const cv::Mat& rgb);                ///< ImageOps.equalize(img)
cv::Mat invert(const cv::Mat& rgb);                  ///< ImageOps.invert(img)
cv::Mat solarize(const cv::Mat& rgb, int threshold); ///< ImageOps.solarize(img, threshold)
cv::Mat posterize(const cv::Mat& rgb, int bits);     ///< ImageOps.posterize(img, bits)

/// Image.blend(a, b, alpha) (alpha as a C float; outside [0, 1] extrapolates with clipping).
cv::Mat blend(const cv::Mat& a, const cv::Mat& b, double alpha);
cv::Mat toGreyRgb(const cv::Mat& rgb);                 ///< convert("L").convert("RGB")
cv::Mat color(const cv::Mat& rgb, double factor);      ///< ImageEnhance.Color(img).enhance(f)
cv::Mat contrast(const cv::Mat& rgb, double factor);   ///< ImageEnhance.Contrast
cv::Mat brightness(const cv::Mat& rgb, double factor); ///< ImageEnhance.Brightness
cv::Mat sharpness(const cv::Mat& rgb, double factor);  ///< ImageEnhance.Sharpness
cv::Mat smooth(const cv::Mat& rgb);                    ///< img.filter(ImageFilter.SMOOTH)

} // namespace clipwb::data::pil
