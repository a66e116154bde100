#include "data/PilOps.h"

#include "common/Error.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace clipwb::data::pil {

namespace {

void checkRgb(const cv::Mat& rgb)
{
    CLIPWB_CHECK(rgb.type() == CV_8UC3 && !rgb.empty(), "PIL operation: expected a non-empty RGB image");
}

int pilFloor(double x)
{
    return x < 0.0 ? static_cast<int>(std::floor(x)) : static_cast<int>(x);
}

double cubic(double v1, double v2, double v3, double v4, double d)
{
    const double p1 = v2;
    const double p2 = -v1 + v3;
    const double p3 = 2 * (v1 - v2) + v3 - v4;
    const double p4 = -v1 + v2 - v3 + v4;
    return p1 + d * (p2 + d * (p3 + d * p4));
}

// Python's round(x, 15): the nearest double to x rounded to 15 decimals.
double roundTo15Decimals(double x)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.15f", x);
    return std::strtod(buffer, nullptr);
}

// ImageOps._lut on RGB: one 256-entry table per band.
cv::Mat applyLut(const cv::Mat& rgb, const std::array<std::array<uint8_t, 256>, 3>& lut)
{
    cv::Mat out(rgb.size(), CV_8UC3);
    for (int y = 0; y < rgb.rows; ++y) {
        const uint8_t* in = rgb.ptr<uint8_t>(y);
        uint8_t* o = out.ptr<uint8_t>(y);
        for (int x = 0; x < rgb.cols * 3; x += 3) {
            o[x] = lut[0][in[x]];
            o[x + 1] = lut[1][in[x + 1]];
            o[x + 2] = lut[2][in[x + 2]];
        }
    }
    return out;
}

cv::Mat applySameLut(const cv::Mat& rgb, const std::array<uint8_t, 256>& table)
{
    return applyLut(rgb, {table, table, table});
}

std::array<std::array<int64_t, 256>, 3> histograms(const cv::Mat& rgb)
{
    std::array<std::array<int64_t, 256>, 3> h{};
    for (int y = 0; y < rgb.rows; ++y) {
        const uint8_t* in = rgb.ptr<uint8_t>(y);
        for (int x = 0; x < rgb.cols * 3; x += 3) {
            ++h[0][in[x]];
            ++h[1][in[x + 1]];
            ++h[2][in[x + 2]];
        }
    }
    return h;
}

uint8_t luminance(const uint8_t* rgb)
{
    return static_cast<uint8_t>((rgb[0] * 19595 + rgb[1] * 38470 + rgb[2] * 7471 + 0x8000) >> 16);
}

} // namespace

cv::Mat affineBicubic(const cv::Mat& rgb, const std::array<double, 6>& a, Rgb fill)
{
    checkRgb(rgb);
    const int width = rgb.cols, height = rgb.rows;
    cv::Mat out(rgb.size(), CV_8UC3, cv::Scalar(fill[0], fill[1], fill[2]));
    for (int y = 0; y < height; ++y) {
        uint8_t* o = out.ptr<uint8_t>(y);
        for (int x = 0; x < width; ++x) {
            const double xo = x + 0.5, yo = y + 0.5;
            double xin = a[0] * xo + a[1] * yo + a[2];
            double yin = a[3] * xo + a[4] * yo + a[5];
            if (xin < 0.0 || xin >= width || yin < 0.0 || yin >= height)
                continue; // PIL keeps the fill colour
            xin -= 0.5;
            yin -= 0.5;
            int x0 = pilFloor(xin);
            int y0 = pilFloor(yin);
            const double dx = xin - x0;
            const double dy = yin - y0;
            --x0;
            --y0;
            int columns[4];
            for (int i = 0; i < 4; ++i)
                columns[i] = std::clamp(x0 + i, 0, width - 1) * 3;
            for (int band = 0; band < 3; ++band) {
                const auto rowValue = [&](int row) {
                    const uint8_t* in = rgb.ptr<uint8_t>(row) + band;
                    return cubic(in[columns[0]], in[columns[1]], in[columns[2]], in[columns[3]], dx);
                };
                const double v1 = rowValue(std::clamp(y0, 0, height - 1));
                const double v2 = (y0 + 1 >= 0 && y0 + 1 < height) ? rowValue(y0 + 1) : v1;
                const double v3 = (y0 + 2 >= 0 && y0 + 2 < height) ? rowValue(y0 + 2) : v2;
                const double v4 = (y0 + 3 >= 0 && y0 + 3 < height) ? rowValue(y0 + 3) : v3;
                const double v = cubic(v1, v2, v3, v4, dy);
                o[x * 3 + band] = v <= 0.0 ? 0 : v >= 255.0 ? 255 : static_cast<uint8_t>(v);
            }
        }
    }
    return out;
}

cv::Mat rotate(const cv::Mat& rgb, double degrees, Rgb fill)
{
    checkRgb(rgb);
    double angle = std::fmod(degrees, 360.0); // Python's %: the result takes the divisor's sign
    if (angle < 0)
        angle += 360.0;
    if (angle == 0)
        return rgb.clone();
    const double width = rgb.cols, height = rgb.rows;
    const double centerX = width / 2.0, centerY = height / 2.0;
    const double radians = -(angle * (M_PI / 180.0));
    std::array<double, 6> m{roundTo15Decimals(std::cos(radians)),  roundTo15Decimals(std::sin(radians)), 0.0,
                            roundTo15Decimals(-std::sin(radians)), roundTo15Decimals(std::cos(radians)), 0.0};
    const double x = -centerX - 0.0, y = -centerY - 0.0;
    const double shiftX = m[0] * x + m[1] * y + m[2];
    const double shiftY = m[3] * x + m[4] * y + m[5];
    m[2] = shiftX + centerX;
    m[5] = shiftY + centerY;
    return affineBicubic(rgb, m, fill);
}

cv::Mat shearX(const cv::Mat& rgb, double factor, Rgb fill)
{
    return affineBicubic(rgb, {1, factor, 0, 0, 1, 0}, fill);
}

cv::Mat shearY(const cv::Mat& rgb, double factor, Rgb fill)
{
    return affineBicubic(rgb, {1, 0, 0, factor, 1, 0}, fill);
}

cv::Mat translateX(const cv::Mat& rgb, double pixels, Rgb fill)
{
    return affineBicubic(rgb, {1, 0, pixels, 0, 1, 0}, fill);
}

cv::Mat translateY(const cv::Mat& rgb, double pixels, Rgb fill)
{
    return affineBicubic(rgb, {1, 0, 0, 0, 1, pixels}, fill);
}

cv::Mat autoContrast(const cv::Mat& rgb)
{
    checkRgb(rgb);
    const auto h = histograms(rgb);
    std::array<std::array<uint8_t, 256>, 3> lut{};
    for (int band = 0; band < 3; ++band) {
        int lo = 0, hi = 255;
        while (lo < 255 && !h[band][lo])
            ++lo;
        while (hi > 0 && !h[band][hi])
            --hi;
        if (hi <= lo) {
            for (int i = 0; i < 256; ++i)
                lut[band][i] = static_cast<uint8_t>(i);
            continue;
        }
        const double scale = 255.0 / (hi - lo);
        const double offset = -lo * scale;
        for (int i = 0; i < 256; ++i) {
            const int value = static_cast<int>(i * scale + offset);
            lut[band][i] = static_cast<uint8_t>(std::clamp(value, 0, 255));
        }
    }
    return applyLut(rgb, lut);
}

cv::Mat equalize(const cv::Mat& rgb)
{
    checkRgb(rgb);
    const auto h = histograms(rgb);
    std::array<std::array<uint8_t, 256>, 3> lut{};
    for (int band = 0; band < 3; ++band) {
        int64_t total = 0, last = 0, used = 0;
        for (int i = 0; i < 256; ++i) {
            if (h[band][i]) {
                total += h[band][i];
                last = h[band][i];
                ++used;
            }
        }
        const int64_t step = used <= 1 ? 0 : (total - last) / 255;
        if (step == 0) {
            for (int i = 0; i < 256; ++i)
                lut[band][i] = static_cast<uint8_t>(i);
            continue;
        }
        int64_t n = step / 2;
        for (int i = 0; i < 256; ++i) {
            lut[band][i] = static_cast<uint8_t>(std::min<int64_t>(n / step, 255));
            n += h[band][i];
        }
    }
    return applyLut(rgb, lut);
}

cv::Mat invert(const cv::Mat& rgb)
{
    checkRgb(rgb);
    std::array<uint8_t, 256> table{};
    for (int i = 0; i < 256; ++i)
        table[i] = static_cast<uint8_t>(255 - i);
    return applySameLut(rgb, table);
}

cv::Mat solarize(const cv::Mat& rgb, int threshold)
{
    checkRgb(rgb);
    std::array<uint8_t, 256> table{};
    for (int i = 0; i < 256; ++i)
        table[i] = static_cast<uint8_t>(i < threshold ? i : 255 - i);
    return applySameLut(rgb, table);
}

cv::Mat posterize(const cv::Mat& rgb, int bits)
{
    checkRgb(rgb);
    const int mask = ~((1 << (8 - bits)) - 1);
    std::array<uint8_t, 256> table{};
    for (int i = 0; i < 256; ++i)
        table[i] = static_cast<uint8_t>(i & mask);
    return applySameLut(rgb, table);
}

cv::Mat blend(const cv::Mat& a, const cv::Mat& b, double alphaIn)
{
    CLIPWB_CHECK(a.type() == b.type() && a.size() == b.size(), "blend: images differ in size or type");
    const float alpha = static_cast<float>(alphaIn);
    if (alpha == 0.0f)
        return a.clone();
    if (alpha == 1.0f)
        return b.clone();
    cv::Mat out(a.size(), a.type());
    const int values = a.cols * a.channels();
    const bool interpolate = alpha >= 0 && alpha <= 1.0f;
    for (int y = 0; y < a.rows; ++y) {
        const uint8_t* in1 = a.ptr<uint8_t>(y);
        const uint8_t* in2 = b.ptr<uint8_t>(y);
        uint8_t* o = out.ptr<uint8_t>(y);
        for (int x = 0; x < values; ++x) {
            const float value = static_cast<float>(
                static_cast<int>(in1[x]) + alpha * (static_cast<int>(in2[x]) - static_cast<int>(in1[x])));
            if (interpolate)
                o[x] = static_cast<uint8_t>(value);
            else
                o[x] = value <= 0.0f ? 0 : value >= 255.0f ? 255 : static_cast<uint8_t>(value);
        }
    }
    return out;
}

cv::Mat toGreyRgb(const cv::Mat& rgb)
{
    checkRgb(rgb);
    cv::Mat out(rgb.size(), CV_8UC3);
    for (int y = 0; y < rgb.rows; ++y) {
        const uint8_t* in = rgb.ptr<uint8_t>(y);
        uint8_t* o = out.ptr<uint8_t>(y);
        for (int x = 0; x < rgb.cols * 3; x += 3)
            o[x] = o[x + 1] = o[x + 2] = luminance(in + x);
    }
    return out;
}

cv::Mat color(const cv::Mat& rgb, double factor)
{
    return blend(toGreyRgb(rgb), rgb, factor);
}

cv::Mat contrast(const cv::Mat& rgb, double factor)
{
    checkRgb(rgb);
    int64_t sum = 0;
    for (int y = 0; y < rgb.rows; ++y) {
        const uint8_t* in = rgb.ptr<uint8_t>(y);
        for (int x = 0; x < rgb.cols * 3; x += 3)
            sum += luminance(in + x);
    }
    const double mean = static_cast<double>(sum) / (static_cast<double>(rgb.rows) * rgb.cols);
    const int level = static_cast<int>(mean + 0.5);
    const cv::Mat degenerate(rgb.size(), CV_8UC3, cv::Scalar::all(level));
    return blend(degenerate, rgb, factor);
}

cv::Mat brightness(const cv::Mat& rgb, double factor)
{
    checkRgb(rgb);
    return blend(cv::Mat(rgb.size(), CV_8UC3, cv::Scalar::all(0)), rgb, factor);
}

cv::Mat smooth(const cv::Mat& rgb)
{
    checkRgb(rgb);
    if (rgb.cols < 3 || rgb.rows < 3)
        return rgb.clone();
    const float side = static_cast<float>(1.0 / 13.0);
    const float centre = static_cast<float>(5.0 / 13.0);
    const float kernel[9] = {side, side, side, side, centre, side, side, side, side};
    const float offset = 0.5f;
    cv::Mat out = rgb.clone();
    for (int y = 1; y < rgb.rows - 1; ++y) {
        const uint8_t* above = rgb.ptr<uint8_t>(y - 1);
        const uint8_t* row = rgb.ptr<uint8_t>(y);
        const uint8_t* below = rgb.ptr<uint8_t>(y + 1);
        uint8_t* o = out.ptr<uint8_t>(y);
        const auto line = [](const uint8_t* in, int i, const float* k) {
            return static_cast<float>(in[i - 3]) * k[0] + static_cast<float>(in[i]) * k[1] +
                   static_cast<float>(in[i + 3]) * k[2];
        };
        for (int x = 1; x < rgb.cols - 1; ++x) {
            for (int band = 0; band < 3; ++band) {
                const int i = x * 3 + band;
                float sum = offset;
                sum += line(below, i, &kernel[0]);
                sum += line(row, i, &kernel[3]);
                sum += line(above, i, &kernel[6]);
                o[i] = sum <= 0.0f ? 0 : sum >= 255.0f ? 255 : static_cast<uint8_t>(sum);
            }
        }
    }
    return out;
}

cv::Mat sharpness(const cv::Mat& rgb, double factor)
{
    return blend(smooth(rgb), rgb, factor);
}

} // namespace clipwb::data::pil
