// The AutoAugment operations and the training transform against PIL.
#include "support/CrossCheck.h"
#include "data/ImageDecoder.h"
#include "data/PilOps.h"
#include "data/TrainTransform.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using namespace clipwb::data;

namespace {

std::string readBinary(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

std::string toBytes(const cv::Mat& rgb)
{
    std::string bytes;
    for (int y = 0; y < rgb.rows; ++y)
        bytes.append(rgb.ptr<char>(y), rgb.cols * rgb.elemSize());
    return bytes;
}

DecodedImage testImage(int width, int height, int seed)
{
    cv::Mat rgb(height, width, CV_8UC3);
    cv::RNG rng(seed);
    rng.fill(rgb, cv::RNG::UNIFORM, 0, 256);
    DecodedImage image;
    image.pixels = rgb;
    image.format = ImageFormat::Png;
    return image;
}

} // namespace

class TestPilOps : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void operationsMatchPil()
    {
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("PIL")});
        QTemporaryDir dir;
        QProcess python;
        python.start(QStringLiteral("/usr/bin/python3"),
                     {QStringLiteral(CLIPWB_SOURCE_DIR "/tests/data/pil_ops_reference.py"), dir.path()});
        QVERIFY(python.waitForFinished(120000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());

        const pil::Rgb fill{123, 117, 104};
        const std::map<std::string, std::function<cv::Mat(const cv::Mat&, double)>> ops = {
            {"rotate", [&](const cv::Mat& m, double v) { return pil::rotate(m, v, fill); }},
            {"shear_x", [&](const cv::Mat& m, double v) { return pil::shearX(m, v, fill); }},
            {"shear_y", [&](const cv::Mat& m, double v) { return pil::shearY(m, v, fill); }},
            {"translate_x", [&](const cv::Mat& m, double v) { return pil::translateX(m, v, fill); }},
            {"translate_y", [&](const cv::Mat& m, double v) { return pil::translateY(m, v, fill); }},
            {"autocontrast", [](const cv::Mat& m, double) { return pil::autoContrast(m); }},
            {"equalize", [](const cv::Mat& m, double) { return pil::equalize(m); }},
            {"invert", [](const cv::Mat& m, double) { return pil::invert(m); }},
            {"solarize", [](const cv::Mat& m, double v) { return pil::solarize(m, static_cast<int>(v)); }},
            {"posterize", [](const cv::Mat& m, double v) { return pil::posterize(m, static_cast<int>(v)); }},
            {"color", [](const cv::Mat& m, double v) { return pil::color(m, v); }},
            {"contrast", [](const cv::Mat& m, double v) { return pil::contrast(m, v); }},
            {"brightness", [](const cv::Mat& m, double v) { return pil::brightness(m, v); }},
            {"sharpness", [](const cv::Mat& m, double v) { return pil::sharpness(m, v); }},
        };
        const fs::path out = dir.path().toStdString();
        const auto cases = nlohmann::json::parse(readBinary(out / "manifest.json"));
        QVERIFY(cases.size() > 100);
        QStringList failures;
        for (const auto& c : cases) {
            const std::string input = c.at("input");
            const cv::Mat rgb = decodeImageRgb(readBinary(out / input), input);
            const std::string op = c.at("op");
            const double value = c.at("value");
            const std::string got = toBytes(ops.at(op)(rgb, value));
            const std::string want = readBinary(out / c.at("raw").get<std::string>());
            if (got != want) {
                size_t differing = 0;
                for (size_t i = 0; i < std::min(got.size(), want.size()); ++i)
                    differing += got[i] != want[i];
                failures << QStringLiteral("%1 %2(%3): %4 bytes differ")
                                .arg(QString::fromStdString(input), QString::fromStdString(op))
                                .arg(value)
                                .arg(differing);
            }
        }
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QStringLiteral("\n"))));
    }

    void augmentationIsReproduciblePerSample()
    {
        const TrainTransform transform(64);
        const DecodedImage image = testImage(96, 80, 1);
        const uint64_t seed = TrainTransform::sampleSeed(101, 2, 17);
        const cv::Mat a = transform.augment(image, seed);
        const cv::Mat b = transform.augment(image, seed);
        QCOMPARE(a.type(), CV_8UC3);
        QCOMPARE(a.cols, 64);
        QCOMPARE(a.rows, 64);
        QVERIFY(toBytes(a) == toBytes(b));
        QVERIFY(TrainTransform::sampleSeed(101, 2, 17) != TrainTransform::sampleSeed(101, 3, 17));
        QVERIFY(TrainTransform::sampleSeed(101, 2, 17) != TrainTransform::sampleSeed(101, 2, 18));
        QVERIFY(TrainTransform::sampleSeed(101, 2, 17) != TrainTransform::sampleSeed(102, 2, 17));
        int distinct = 0;
        for (int position = 0; position < 20; ++position)
            distinct +=
                toBytes(transform.augment(image, TrainTransform::sampleSeed(101, 2, position))) != toBytes(a);
        QVERIFY(distinct >= 18);
    }

    void cropsFollowRandomResizedCrop()
    {
        const TrainTransform transform(64);
        std::mt19937_64 random(5);
        for (int i = 0; i < 2000; ++i) {
            const int width = 20 + static_cast<int>(random() % 300);
            const int height = 20 + static_cast<int>(random() % 300);
            const cv::Rect crop = transform.cropFor(width, height, random);
            QVERIFY(crop.x >= 0 && crop.y >= 0 && crop.width > 0 && crop.height > 0);
            QVERIFY(crop.x + crop.width <= width && crop.y + crop.height <= height);
            const double aspect = double(width) / height;
            if (aspect < 0.8 || aspect > 1.25)
                continue; // ten misses are likely: the fallback below
            const double fraction = double(crop.area()) / (double(width) * height);
            // Rounding of w and h moves the area a little outside [0.9, 1.0].
            QVERIFY2(fraction > 0.85 && fraction <= 1.0, qPrintable(QString::number(fraction)));
        }
        // Too tall for any 3/4..4/3 crop of 90 %: timm's central crop with the ratio clamped.
        QCOMPARE(transform.cropFor(20, 300, random), cv::Rect(0, (300 - 27) / 2, 20, 27));
        QCOMPARE(transform.cropFor(300, 20, random), cv::Rect((300 - 27) / 2, 0, 27, 20));
    }

    void autoAugmentKeepsSizeAndChangesImages()
    {
        const DecodedImage image = testImage(48, 48, 3);
        int changed = 0;
        for (int i = 0; i < 50; ++i) {
            std::mt19937_64 random(i);
            const cv::Mat out = TrainTransform::autoAugmentOriginal(image.pixels, random);
            QCOMPARE(out.size(), image.pixels.size());
            changed += toBytes(out) != toBytes(image.pixels);
        }
        QVERIFY(changed > 25 && changed < 50); // some sub-policies skip both ops at times
    }
};

QTEST_GUILESS_MAIN(TestPilOps)
#include "TestPilOps.moc"
