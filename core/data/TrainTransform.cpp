#include "data/TrainTransform.h"

#include "common/Error.h"
#include "data/ImageTransform.h"
#include "data/PilOps.h"
#include "data/PilResize.h"

#include <cmath>

namespace clipwb::data {

namespace {

double uniform01(std::mt19937_64& random)
{
    return static_cast<double>(random() >> 11) * 0x1.0p-53;
}

double uniform(std::mt19937_64& random, double lo, double hi)
{
    return lo + (hi - lo) * uniform01(random); // Python's random.uniform
}

int randomInt(std::mt19937_64& random, int lo, int hi) // inclusive, like random.randint
{
    return lo + static_cast<int>(random() % static_cast<uint64_t>(hi - lo + 1));
}

// Python's round(): half to even.
int roundHalfEven(double x)
{
    return static_cast<int>(std::nearbyint(x));
}

enum class Op {
    PosterizeOriginal,
    Rotate,
    Solarize,
    AutoContrast,
    Equalize,
    Color,
    Invert,
    Contrast,
    Sharpness,
    ShearX
};

struct PolicyOp {
    Op op;
    double probability;
    int magnitude;
};

// timm's auto_augment_policy_original (the ImageNet policy of arXiv:1805.09501).
const PolicyOp kOriginalPolicy[25][2] = {
    {{Op::PosterizeOriginal, 0.4, 8}, {Op::Rotate, 0.6, 9}},
    {{Op::Solarize, 0.6, 5}, {Op::AutoContrast, 0.6, 5}},
    {{Op::Equalize, 0.8, 8}, {Op::Equalize, 0.6, 3}},
    {{Op::PosterizeOriginal, 0.6, 7}, {Op::PosterizeOriginal, 0.6, 6}},
    {{Op::Equalize, 0.4, 7}, {Op::Solarize, 0.2, 4}},
    {{Op::Equalize, 0.4, 4}, {Op::Rotate, 0.8, 8}},
    {{Op::Solarize, 0.6, 3}, {Op::Equalize, 0.6, 7}},
    {{Op::PosterizeOriginal, 0.8, 5}, {Op::Equalize, 1.0, 2}},
    {{Op::Rotate, 0.2, 3}, {Op::Solarize, 0.6, 8}},
    {{Op::Equalize, 0.6, 8}, {Op::PosterizeOriginal, 0.4, 6}},
    {{Op::Rotate, 0.8, 8}, {Op::Color, 0.4, 0}},
    {{Op::Rotate, 0.4, 9}, {Op::Equalize, 0.6, 2}},
    {{Op::Equalize, 0.0, 7}, {Op::Equalize, 0.8, 8}},
    {{Op::Invert, 0.6, 4}, {Op::Equalize, 1.0, 8}},
    {{Op::Color, 0.6, 4}, {Op::Contrast, 1.0, 8}},
    {{Op::Rotate, 0.8, 8}, {Op::Color, 1.0, 2}},
    {{Op::Color, 0.8, 8}, {Op::Solarize, 0.8, 7}},
    {{Op::Sharpness, 0.4, 7}, {Op::Invert, 0.6, 8}},
    {{Op::ShearX, 0.6, 5}, {Op::Equalize, 1.0, 9}},
    {{Op::Color, 0.4, 0}, {Op::Equalize, 0.6, 3}},
    {{Op::Equalize, 0.4, 7}, {Op::Solarize, 0.2, 4}},
    {{Op::Solarize, 0.6, 5}, {Op::AutoContrast, 0.6, 5}},
    {{Op::Invert, 0.6, 4}, {Op::Equalize, 1.0, 8}},
    {{Op::Color, 0.6, 4}, {Op::Contrast, 1.0, 8}},
    {{Op::Equalize, 0.8, 8}, {Op::Equalize, 0.6, 3}},
};

constexpr double kLevelDenominator = 10.0;

// timm: img_mean = tuple(min(255, round(255 * x)) for x in mean).
pil::Rgb fillColour()
{
    pil::Rgb fill{};
    for (int c = 0; c < 3; ++c)
        fill[c] = static_cast<uint8_t>(std::min(255, roundHalfEven(255.0 * kClipMean[c])));
    return fill;
}

double randomlyNegate(double value, std::mt19937_64& random)
{
    return uniform01(random) > 0.5 ? -value : value;
}

cv::Mat applyOp(const PolicyOp& op, const cv::Mat& rgb, std::mt19937_64& random)
{
    // AugmentOp.__call__: skip with probability 1 - p (no draw when p == 1).
    if (op.probability < 1.0 && uniform01(random) > op.probability)
        return rgb;
    const double magnitude = std::clamp(static_cast<double>(op.magnitude), 0.0, kLevelDenominator);
    const double level = magnitude / kLevelDenominator;
    static const pil::Rgb fill = fillColour();
    switch (op.op) {
    case Op::PosterizeOriginal: {
        const int bits = static_cast<int>(level * 4) + 4;
        return bits >= 8 ? rgb : pil::posterize(rgb, bits);
    }
    case Op::Rotate:
        return pil::rotate(rgb, randomlyNegate(level * 30.0, random), fill);
    case Op::Solarize:
        return pil::solarize(rgb, static_cast<int>(level * 256));
    case Op::AutoContrast:
        return pil::autoContrast(rgb);
    case Op::Equalize:
        return pil::equalize(rgb);
    case Op::Invert:
        return pil::invert(rgb);
    case Op::Color:
        return pil::color(rgb, level * 1.8 + 0.1);
    case Op::Contrast:
        return pil::contrast(rgb, level * 1.8 + 0.1);
    case Op::Sharpness:
        return pil::sharpness(rgb, level * 1.8 + 0.1);
    case Op::ShearX:
        return pil::shearX(rgb, randomlyNegate(level * 0.3, random), fill);
    }
    return rgb;
}

} // namespace

TrainTransform::TrainTransform(Options options) : options_(options)
{
    CLIPWB_CHECK(options_.resolution > 0, "TrainTransform: bad resolution ", options_.resolution);
}

TrainTransform::TrainTransform(int resolution) : TrainTransform(Options{resolution})
{
}

uint64_t TrainTransform::sampleSeed(uint64_t seed, int64_t epoch, int64_t position)
{
    // splitmix64 finaliser over the three inputs.
    const auto mix = [](uint64_t z) {
        z += 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    };
    return mix(mix(mix(seed) ^ static_cast<uint64_t>(epoch)) ^ static_cast<uint64_t>(position));
}

cv::Rect TrainTransform::cropFor(int width, int height, std::mt19937_64& random) const
{
    const double area = static_cast<double>(width) * height;
    const double logRatioMin = std::log(options_.ratioMin), logRatioMax = std::log(options_.ratioMax);
    for (int attempt = 0; attempt < 10; ++attempt) {
        const double targetArea = uniform(random, options_.scaleMin, options_.scaleMax) * area;
        const double aspect = std::exp(uniform(random, logRatioMin, logRatioMax));
        const int w = roundHalfEven(std::sqrt(targetArea * aspect));
        const int h = roundHalfEven(std::sqrt(targetArea / aspect));
        if (w <= width && h <= height) {
            const int top = randomInt(random, 0, height - h);
            const int left = randomInt(random, 0, width - w);
            return {left, top, w, h};
        }
    }
    // timm's fallback: a central crop with the ratio clamped.
    const double inRatio = static_cast<double>(width) / height;
    int w = width, h = height;
    if (inRatio < std::min(options_.ratioMin, options_.ratioMax)) {
        h = roundHalfEven(w / std::min(options_.ratioMin, options_.ratioMax));
    } else if (inRatio > std::max(options_.ratioMin, options_.ratioMax)) {
        w = roundHalfEven(h * std::max(options_.ratioMin, options_.ratioMax));
    }
    return {(width - w) / 2, (height - h) / 2, w, h};
}

cv::Mat TrainTransform::autoAugmentOriginal(const cv::Mat& rgb, std::mt19937_64& random)
{
    const auto& subPolicy = kOriginalPolicy[random() % 25];
    cv::Mat image = rgb;
    for (const auto& op : subPolicy)
        image = applyOp(op, image, random);
    return image;
}

cv::Mat TrainTransform::augment(const DecodedImage& image, uint64_t seed) const
{
    CLIPWB_CHECK(!image.pixels.empty(), "TrainTransform: empty image");
    std::mt19937_64 random(seed);
    const cv::Rect crop = cropFor(image.width(), image.height(), random);
    cv::Mat rgb = pilResizeToRgb(image, options_.resolution, options_.resolution, crop);
    if (uniform01(random) < options_.horizontalFlip) {
        cv::Mat flipped;
        cv::flip(rgb, flipped, 1);
        rgb = flipped;
    }
    if (options_.autoAugment)
        rgb = autoAugmentOriginal(rgb, random);
    return rgb;
}

void TrainTransform::augmentInto(const DecodedImage& image, uint64_t seed, float* out) const
{
    normalizeRgbInto(augment(image, seed), out);
}

void TrainTransform::augmentPixelsInto(const DecodedImage& image, uint64_t seed, uint8_t* out) const
{
    rgbPlanesInto(augment(image, seed), out);
}

} // namespace clipwb::data
