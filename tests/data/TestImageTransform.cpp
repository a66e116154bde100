// The image decoder and the evaluation transform against upstream's numbers and against PIL.
#include "common/Error.h"
#include "data/ImageDecoder.h"
#include "data/ImageTransform.h"
#include "data/PilResize.h"
#include "support/CrossCheck.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>
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

// Index of the first differing byte, or -1.
long firstDifference(const std::string& a, const std::string& b)
{
    if (a.size() != b.size())
        return 0;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i] != b[i])
            return static_cast<long>(i);
    }
    return -1;
}

} // namespace

class TestImageTransform : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pixelMeansMatchUpstream()
    {
        const fs::path dir = fs::path(CLIPWB_TEST_FIXTURES) / "model";
        const auto expected = nlohmann::json::parse(readBinary(dir / "expected.json"));
        const auto images = expected.at("images");
        const auto means = expected.at("pixel_mean_per_image");
        QCOMPARE(images.size(), means.size());
        for (size_t i = 0; i < images.size(); ++i) {
            const std::string file = images[i].get<std::string>();
            const auto decoded = decodeImage(readBinary(dir / file), file);
            const auto tensor = preprocessForEval(decoded, 64);
            QCOMPARE(tensor.sizes().vec(), (std::vector<int64_t>{3, 64, 64}));
            const double mean = tensor.to(torch::kFloat64).mean().item<double>();
            const double want = means[i].get<double>();
            if (std::abs(mean - want) > 1e-6)
                QFAIL(qPrintable(QStringLiteral("%1: mean %2, upstream %3")
                                     .arg(QString::fromStdString(file))
                                     .arg(mean, 0, 'g', 10)
                                     .arg(want, 0, 'g', 10)));
        }
    }

    void matchesPilByteForByte()
    {
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("PIL"), QStringLiteral("torchvision")});
        QTemporaryDir dir;
        const QString script = QStringLiteral(CLIPWB_SOURCE_DIR "/tests/data/pil_reference.py");
        QProcess python;
        python.start(QStringLiteral("/usr/bin/python3"),
                     {script, QStringLiteral(CLIPWB_TEST_FIXTURES), dir.path()});
        QVERIFY(python.waitForFinished(120000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());

        const fs::path out = dir.path().toStdString();
        const auto cases = nlohmann::json::parse(readBinary(out / "manifest.json"));
        QVERIFY(cases.size() > 100);
        int resized = 0, webp = 0, bmp = 0, alpha = 0, palette = 0;
        for (const auto& c : cases) {
            const std::string name = c.at("name");
            const std::string encoded = readBinary(out / c.at("input").get<std::string>());
            const DecodedImage image = decodeImage(encoded, name);
            cv::Mat result;
            if (c.at("size").is_null()) {
                result = toRgb(image);
            } else {
                const int size = c.at("size");
                result = pilResizeToRgb(image, size, size);
                ++resized;
            }
            QCOMPARE(result.cols, c.at("width").get<int>());
            QCOMPARE(result.rows, c.at("height").get<int>());
            const long diff =
                firstDifference(toBytes(result), readBinary(out / c.at("raw").get<std::string>()));
            if (diff >= 0)
                QFAIL(qPrintable(QStringLiteral("%1 (mode %2, size %3): differs from PIL at byte %4")
                                     .arg(QString::fromStdString(name))
                                     .arg(QString::fromStdString(c.at("mode").get<std::string>()))
                                     .arg(QString::fromStdString(c.at("size").dump()))
                                     .arg(diff)));
            webp += image.format == ImageFormat::WebP;
            bmp += image.format == ImageFormat::Bmp;
            alpha += image.hasAlpha();
            palette += image.palette;
        }
        QVERIFY(resized > 100);
        QVERIFY(webp > 0 && bmp > 0 && alpha > 0 && palette > 0);
    }

    void normalisationIsTorchvisions()
    {
        cv::Mat rgb(2, 3, CV_8UC3);
        for (int i = 0; i < 18; ++i)
            rgb.data[i] = static_cast<uint8_t>(i * 15);
        const auto tensor = preprocessForEval(rgb, 3); // upsampled to 3x3
        QCOMPARE(tensor.sizes().vec(), (std::vector<int64_t>{3, 3, 3}));
        cv::Mat square(3, 3, CV_8UC3);
        cv::randu(square, 0, 256);
        const auto direct = preprocessForEval(square, 3);
        auto bytes =
            torch::from_blob(square.data, {3, 3, 3}, torch::kUInt8).permute({2, 0, 1}).to(torch::kFloat32);
        auto reference = bytes.div(255);
        const auto mean = torch::tensor({kClipMean[0], kClipMean[1], kClipMean[2]}).view({3, 1, 1});
        const auto std = torch::tensor({kClipStd[0], kClipStd[1], kClipStd[2]}).view({3, 1, 1});
        reference = reference.sub(mean).div(std);
        QVERIFY(torch::equal(direct, reference));
    }

    void decodeErrorsNameTheRecord()
    {
        const auto expectError = [](const std::string& bytes, const QString& mustContain) {
            try {
                decodeImage(bytes, "image 42 of train");
                QFAIL("no exception");
            } catch (const clipwb::Error& e) {
                const QString message = QString::fromUtf8(e.what());
                QVERIFY2(message.contains(QStringLiteral("image 42 of train")), e.what());
                QVERIFY2(message.contains(mustContain), e.what());
            }
        };
        expectError("", QStringLiteral("empty"));
        expectError("GIF89a....", QStringLiteral("not a JPEG"));
        const std::string png = readBinary(fs::path(CLIPWB_TEST_FIXTURES) / "model" / "img0.png");
        expectError(png.substr(0, 40), QStringLiteral("PNG"));
        expectError(std::string("\xFF\xD8\xFF\xE0", 4) + std::string(50, '\0'), QStringLiteral("JPEG"));
        // PIL refuses a truncated JPEG ("image file is truncated"); so do we.
        cv::Mat noise(64, 64, CV_8UC3);
        cv::randu(noise, 0, 256);
        std::vector<uchar> jpeg;
        QVERIFY(cv::imencode(".jpg", noise, jpeg));
        QVERIFY(decodeImage(std::string(jpeg.begin(), jpeg.end()), "whole").width() == 64);
        expectError(std::string(jpeg.begin(), jpeg.begin() + jpeg.size() / 2), QStringLiteral("JPEG"));
    }

    void decompressionBombsAreRefusedBeforeDecoding()
    {
        // A few bytes can claim gigapixels (fuzz_image found a 124-byte JPEG asking for 2.5 GB):
        // over PIL's limit (2 x 89,478,485 pixels, upstream's loader refuses those too) the
        // header alone decides, nothing is allocated.
        const auto expectBomb = [](const std::string& bytes) {
            try {
                decodeImage(bytes, "image 7 of train");
                QFAIL("no exception");
            } catch (const clipwb::Error& e) {
                QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("image 7 of train")), e.what());
                QVERIFY2(
                    QString::fromUtf8(e.what()).contains(QStringLiteral("20000 x 20000 = 400000000 pixels")),
                    e.what());
            }
        };
        cv::Mat small(16, 16, CV_8UC3, cv::Scalar(10, 20, 30));
        std::vector<uchar> encoded;
        QVERIFY(cv::imencode(".jpg", small, encoded));
        std::string jpeg(encoded.begin(), encoded.end());
        const auto sof = jpeg.find("\xFF\xC0");
        QVERIFY(sof != std::string::npos);
        // SOF0: FF C0, length (2), precision (1), height (2), width (2); 20000 = 0x4E20.
        jpeg.replace(sof + 5, 4, std::string("\x4E\x20\x4E\x20", 4));
        expectBomb(jpeg);
        QVERIFY(cv::imencode(".png", small, encoded));
        std::string png(encoded.begin(), encoded.end());
        // IHDR's width and height follow the signature (8), length (4) and type (4).
        png.replace(16, 8, std::string("\0\0\x4E\x20\0\0\x4E\x20", 8));
        expectBomb(png);
        // The same image with its own size still decodes.
        QVERIFY(decodeImage(std::string(encoded.begin(), encoded.end()), "small").width() == 16);
    }

    void greyAndSixteenBitBecomeRgb()
    {
        cv::Mat grey(5, 7, CV_16UC1);
        cv::randu(grey, 0, 65536);
        std::vector<uchar> encoded;
        QVERIFY(cv::imencode(".png", grey, encoded));
        const auto image = decodeImage(std::string(encoded.begin(), encoded.end()), "grey16");
        QCOMPARE(image.pixels.type(), CV_8UC3);
        for (int y = 0; y < 5; ++y) {
            for (int x = 0; x < 7; ++x) {
                const auto pixel = image.pixels.at<cv::Vec3b>(y, x);
                const uint8_t high = grey.at<uint16_t>(y, x) >> 8;
                QCOMPARE(pixel[0], high);
                QCOMPARE(pixel[1], high);
                QCOMPARE(pixel[2], high);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestImageTransform)
#include "TestImageTransform.moc"
