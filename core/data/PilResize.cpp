#include "data/PilResize.h"

#include "common/Error.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace clipwb::data {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double bicubicFilter(double x)
{
    constexpr double a = -0.5;
    if (x < 0.0)
        x = -x;
    if (x < 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0)
        return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

// The taps of one output line of PIL's precompute_coeffs + normalize_coeffs_8bpc.
struct Taps {
    int taps = 0;                 // ksize: coefficients stored per output pixel
    std::vector<int> first;       // first input pixel
    std::vector<int> count;       // number of input pixels used
    std::vector<int32_t> weights; // outSize * taps, fixed point
};

Taps precomputeTaps(int inSize, int outSize)
{
    constexpr double support0 = 2.0;
    const float in0 = 0.0f, in1 = static_cast<float>(inSize);
    double scale = static_cast<double>(in1 - in0) / outSize;
    double filterScale = scale < 1.0 ? 1.0 : scale;
    const double support = support0 * filterScale;
    Taps taps;
    taps.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
    taps.first.resize(outSize);
    taps.count.resize(outSize);
    taps.weights.assign(static_cast<size_t>(outSize) * taps.taps, 0);
    std::vector<double> k(taps.taps);
    for (int xx = 0; xx < outSize; ++xx) {
        const double center = in0 + (xx + 0.5) * scale;
        double ww = 0.0;
        const double ss = 1.0 / filterScale;
        int xmin = static_cast<int>(center - support + 0.5);
        if (xmin < 0)
            xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > inSize)
            xmax = inSize;
        xmax -= xmin;
        for (int x = 0; x < xmax; ++x) {
            const double w = bicubicFilter((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        for (int x = 0; x < xmax; ++x) {
            if (ww != 0.0)
                k[x] /= ww;
        }
        int32_t* weights = &taps.weights[static_cast<size_t>(xx) * taps.taps];
        for (int x = 0; x < xmax; ++x) {
            const double scaled = k[x] * (1 << kPrecisionBits);
            weights[x] = static_cast<int32_t>(k[x] < 0 ? -0.5 + scaled : 0.5 + scaled);
        }
        taps.first[xx] = xmin;
        taps.count[xx] = xmax;
    }
    return taps;
}

inline uint8_t clip8(int32_t sum)
{
    const int32_t value = sum >> kPrecisionBits; // arithmetic shift: floor, as PIL's lookup index
    return static_cast<uint8_t>(value < 0 ? 0 : value > 255 ? 255 : value);
}

// Cloned for AVX2 (chosen at run time, baseline x86-64 otherwise): 8 products per instruction.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void resampleVertical(const cv::Mat& src, cv::Mat& dst, const Taps& taps, int rowShift)
{
    const int values = dst.cols * dst.channels();
    std::vector<int32_t> sums(values);
    for (int yy = 0; yy < dst.rows; ++yy) {
        const int32_t* k = &taps.weights[static_cast<size_t>(yy) * taps.taps];
        std::fill(sums.begin(), sums.end(), 1 << (kPrecisionBits - 1));
        const int first = taps.first[yy] - rowShift;
        // Integer sums: accumulating row by row gives PIL's per-pixel result exactly.
        for (int y = 0; y < taps.count[yy]; ++y) {
            const uint8_t* __restrict in = src.ptr<uint8_t>(first + y);
            const int32_t weight = k[y];
            int32_t* __restrict s = sums.data();
            for (int i = 0; i < values; ++i)
                s[i] += in[i] * weight;
        }
        uint8_t* out = dst.ptr<uint8_t>(yy);
        for (int i = 0; i < values; ++i)
            out[i] = clip8(sums[i]);
    }
}

// The horizontal pass as a vertical pass over the transposed rows: the row-wise accumulation
// vectorises, the per-pixel one does not. Integer sums, so the result is PIL's exactly.
cv::Mat resampleHorizontal(const cv::Mat& src, int rowFirst, int rowLast, int width, const Taps& taps)
{
    cv::Mat transposed;
    cv::transpose(src.rowRange(rowFirst, rowLast), transposed);
    cv::Mat resampled(width, transposed.cols, src.type());
    resampleVertical(transposed, resampled, taps, 0);
    cv::Mat out;
    cv::transpose(resampled, out);
    return out;
}

} // namespace

cv::Mat pilResampleBicubic(const cv::Mat& src, int width, int height)
{
    CLIPWB_CHECK(src.depth() == CV_8U && (src.channels() == 1 || src.channels() == 3 || src.channels() == 4),
                 "pilResampleBicubic: expected an 8-bit image with 1, 3 or 4 channels");
    CLIPWB_CHECK(width > 0 && height > 0 && !src.empty(), "pilResampleBicubic: bad size ", width, "x", height,
                 " from ", src.cols, "x", src.rows);
    if (src.cols == width && src.rows == height)
        return src.clone();

    const Taps vertical = precomputeTaps(src.rows, height);
    const bool needHorizontal = width != src.cols;
    const bool needVertical = height != src.rows;
    cv::Mat current = src;
    int rowShift = 0;
    if (needHorizontal) {
        // Only the rows the vertical pass reads, as PIL does.
        const int rowFirst = vertical.first.front();
        const int rowLast = vertical.first.back() + vertical.count.back();
        current = resampleHorizontal(src, rowFirst, rowLast, width, precomputeTaps(src.cols, width));
        rowShift = rowFirst;
    }
    if (!needVertical)
        return current;
    cv::Mat out(height, current.cols, src.type());
    resampleVertical(current, out, vertical, rowShift);
    return out;
}

cv::Mat pilResizeNearest(const cv::Mat& src, int width, int height)
{
    CLIPWB_CHECK(width > 0 && height > 0 && !src.empty(), "pilResizeNearest: bad size");
    if (src.cols == width && src.rows == height)
        return src.clone();
    const double stepX = static_cast<double>(static_cast<float>(src.cols)) / width;
    const double stepY = static_cast<double>(static_cast<float>(src.rows)) / height;
    std::vector<int> columns(width, -1);
    double xo = stepX * 0.5;
    for (int x = 0; x < width; ++x) {
        const int xin = xo < 0.0 ? -1 : static_cast<int>(xo);
        if (xin >= 0 && xin < src.cols)
            columns[x] = xin;
        xo += stepX;
    }
    const size_t pixelBytes = src.elemSize();
    cv::Mat out(height, width, src.type(), cv::Scalar::all(0));
    double yo = stepY * 0.5;
    for (int y = 0; y < height; ++y) {
        const int yin = yo < 0.0 ? -1 : static_cast<int>(yo);
        if (yin >= 0 && yin < src.rows) {
            const uint8_t* in = src.ptr<uint8_t>(yin);
            uint8_t* row = out.ptr<uint8_t>(y);
            for (int x = 0; x < width; ++x) {
                if (columns[x] >= 0)
                    std::memcpy(row + x * pixelBytes, in + columns[x] * pixelBytes, pixelBytes);
            }
        }
        yo += stepY;
    }
    return out;
}

cv::Mat pilPremultiplyAlpha(const cv::Mat& rgba)
{
    CV_Assert(rgba.type() == CV_8UC4);
    cv::Mat out(rgba.size(), CV_8UC4);
    for (int y = 0; y < rgba.rows; ++y) {
        const uint8_t* in = rgba.ptr<uint8_t>(y);
        uint8_t* o = out.ptr<uint8_t>(y);
        for (int x = 0; x < rgba.cols; ++x, in += 4, o += 4) {
            const unsigned alpha = in[3];
            for (int c = 0; c < 3; ++c) {
                const unsigned tmp = in[c] * alpha + 128;
                o[c] = static_cast<uint8_t>(((tmp >> 8) + tmp) >> 8);
            }
            o[3] = in[3];
        }
    }
    return out;
}

cv::Mat pilUnpremultiplyAlpha(const cv::Mat& rgba)
{
    CV_Assert(rgba.type() == CV_8UC4);
    cv::Mat out(rgba.size(), CV_8UC4);
    for (int y = 0; y < rgba.rows; ++y) {
        const uint8_t* in = rgba.ptr<uint8_t>(y);
        uint8_t* o = out.ptr<uint8_t>(y);
        for (int x = 0; x < rgba.cols; ++x, in += 4, o += 4) {
            const unsigned alpha = in[3];
            for (int c = 0; c < 3; ++c) {
                if (alpha == 255 || alpha == 0) {
                    o[c] = in[c];
                } else {
                    const unsigned value = (255 * in[c]) / alpha;
                    o[c] = static_cast<uint8_t>(value > 255 ? 255 : value);
                }
            }
            o[3] = in[3];
        }
    }
    return out;
}

cv::Mat pilResizeToRgb(const DecodedImage& image, int width, int height, cv::Rect region)
{
    cv::Mat source = region.area() > 0 ? image.pixels(region) : image.pixels;
    cv::Mat resized;
    if (source.cols == width && source.rows == height) {
        resized = source;
    } else if (image.palette) {
        resized = pilResizeNearest(source, width, height);
    } else if (source.channels() == 4) {
        resized = pilUnpremultiplyAlpha(pilResampleBicubic(pilPremultiplyAlpha(source), width, height));
    } else {
        resized = pilResampleBicubic(source, width, height);
    }
    if (resized.channels() == 3)
        return resized;
    cv::Mat rgb;
    cv::cvtColor(resized, rgb, resized.channels() == 4 ? cv::COLOR_RGBA2RGB : cv::COLOR_GRAY2RGB);
    return rgb;
}

} // namespace clipwb::data
