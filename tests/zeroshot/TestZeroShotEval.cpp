// Zero-shot classification against upstream's zeroshot_evaluation.py
// (tests/fixtures/zeroshot, see its README.md): the CLI on every case must print
// upstream's result line and write upstream's file (same keys and counts, the
// same prediction per image, probabilities within 1e-4); the core pieces (the
// ImageFolder order, the templates, the classifier, the image features) are
// checked one by one, and bad input gives one clear error.
#include "common/Error.h"
#include "eval/FeatureExtractor.h"
#include "zeroshot/ImageFolder.h"
#include "zeroshot/LabelFile.h"
#include "zeroshot/PromptTemplates.h"
#include "zeroshot/UpstreamZeroShotFile.h"
#include "zeroshot/ZeroShotEncoder.h"
#include "zeroshot/ZeroShotScores.h"

#include <nlohmann/json.hpp>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace clipwb;
using namespace clipwb::zeroshot;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kFixtures = CLIPWB_TEST_FIXTURES;
const fs::path kZeroShot = kFixtures / "zeroshot";

json readJson(const fs::path& path)
{
    std::ifstream in(path);
    return json::parse(in);
}

std::string readText(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/// The upstream case's expected.json.
json expectedOf(const std::string& id)
{
    return readJson(kZeroShot / id / "expected.json");
}

eval::FeatureExtractorOptions modelOptions(const fs::path& checkpoint)
{
    eval::FeatureExtractorOptions options;
    options.checkpoint = checkpoint;
    options.visionModel = (kFixtures / "model_configs/Tiny-ViT.json").string();
    options.textModel = (kFixtures / "model_configs/Tiny-BERT.json").string();
    options.precision = "fp32";
    options.device = "cpu";
    return options;
}

/// Tie-aware prediction check: our class must be upstream's, unless upstream's own logits put the
/// two within `tie` of each other (then either order is a legitimate float outcome).
bool samePrediction(int ours, int theirs, const json& upstreamLogitsRow, double tie)
{
    if (ours == theirs)
        return true;
    return std::abs(upstreamLogitsRow[ours].get<double>() - upstreamLogitsRow[theirs].get<double>()) < tie;
}

int argmax(const json& row)
{
    int best = 0;
    for (std::size_t c = 1; c < row.size(); ++c)
        if (row[c].get<double>() > row[best].get<double>())
            best = static_cast<int>(c);
    return best;
}

QString runCli(const QStringList& arguments, const QString& workingDirectory, int* exitCode, QString* errors)
{
    QProcess process;
    process.setWorkingDirectory(workingDirectory);
    process.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"), arguments);
    if (!process.waitForFinished(240000))
        return {};
    *exitCode = process.exitCode();
    *errors = QString::fromUtf8(process.readAllStandardError());
    return QString::fromUtf8(process.readAllStandardOutput());
}

} // namespace

class TestZeroShotEval : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void imageFolderOrderIsTorchvisions()
    {
        for (const char* id : {"vit_shapes5_cifar-10", "vit_shapes12_food-101"}) {
            const json expected = expectedOf(id);
            const ImageFolder folder =
                ImageFolder::scan(kZeroShot / expected.at("data").get<std::string>() / "test");
            QCOMPARE(folder.size(), expected.at("n_images").get<std::int64_t>());
            for (std::int64_t i = 0; i < folder.size(); ++i) {
                const std::string relative = folder.samples()[static_cast<std::size_t>(i)]
                                                 .path.lexically_relative(kZeroShot)
                                                 .generic_string();
                QCOMPARE(QString::fromStdString(relative),
                         QString::fromStdString(
                             expected.at("images")[static_cast<std::size_t>(i)].get<std::string>()));
            }
            QCOMPARE(folder.targets(), expected.at("targets").get<std::vector<int>>());
        }
        QVERIFY(ImageFolder::hasImageExtension("x.JPEG"));
        QVERIFY(ImageFolder::hasImageExtension("样例.webp"));
        QVERIFY(!ImageFolder::hasImageExtension("notes.txt"));
        QVERIFY(!ImageFolder::hasImageExtension("jpg"));
    }

    void labelsAndTemplatesAreUpstreams()
    {
        for (const char* id : {"vit_shapes5_cifar-10", "vit_shapes12_food-101"}) {
            const json expected = expectedOf(id);
            const auto names =
                readLabelFile(kZeroShot / expected.at("data").get<std::string>() / "label_cn.txt");
            QCOMPARE(names, expected.at("classnames").get<std::vector<std::string>>());
            const PromptTemplates templates = templatesForDataset(expected.at("dataset").get<std::string>());
            QCOMPARE(QString::fromStdString(templates.key),
                     QString::fromStdString(expected.at("templates").get<std::string>()));
            QCOMPARE(static_cast<int>(templates.templates.size()), expected.at("num_templates").get<int>());
            // the shipped copy is upstream's dump
            const json dumped = readJson(kZeroShot / "templates.json");
            QCOMPARE(templates.templates, dumped.at(templates.key).get<std::vector<std::string>>());
        }
        QCOMPARE(QString::fromStdString(templatesForDataset("resisc45_clip").templates.front()),
                 QString::fromStdString(templatesForDataset("eurosat_clip").templates.front()));
        QCOMPARE(QString::fromStdString(templatesForDataset("imagenet").key), QStringLiteral("openai"));
        QCOMPARE(QString::fromStdString(fillTemplate("{}的照片，{}。", "猫")),
                 QStringLiteral("猫的照片，猫。"));
        // Python's str.strip(): Unicode whitespace (U+3000, NBSP) goes, other characters stay
        QCOMPARE(QString::fromStdString(pythonStrip("\xe3\x80\x80 红色\xc2\xa0\t")), QStringLiteral("红色"));
        QCOMPARE(parseLabelLines("a\r\nb\rc\n\n d \n", "x"),
                 (std::vector<std::string>{"a", "b", "c", "", "d"}));
        QVERIFY_THROWS_EXCEPTION(Error, parseLabelLines("ok\nbad\xff\n", "labels.txt"));
        try {
            parseLabelLines("ok\nbad\xff\n", "labels.txt");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("labels.txt:2") != std::string::npos, e.what());
        }
    }

    void classifierAndFeaturesMatchUpstream()
    {
        for (const char* id : {"vit_shapes12_food-101", "vit-shapes_shapes12_food-101"}) {
            const json expected = expectedOf(id);
            eval::FeatureExtractor extractor(
                modelOptions(kZeroShot / expected.at("checkpoint").get<std::string>()));
            QCOMPARE(extractor.parameterCount(), expected.at("num_params").get<std::int64_t>());
            QCOMPARE(extractor.visualParameterCount(), expected.at("num_visual_params").get<std::int64_t>());
            const auto names = expected.at("classnames").get<std::vector<std::string>>();
            Progress reported;
            const torch::Tensor classifier = buildClassifier(
                extractor, names, templatesForDataset("food-101").templates, [&](const Progress& report) {
                    reported = report;
                    return true;
                });
            QCOMPARE(QString::fromStdString(reported.stage), QStringLiteral("prompts"));
            QCOMPARE(reported.done, static_cast<std::int64_t>(names.size()));
            QCOMPARE(reported.total, static_cast<std::int64_t>(names.size()));
            QCOMPARE(reported.fraction, 1.0);
            const auto embeddings = expected.at("class_embeddings").get<std::vector<std::vector<float>>>();
            QCOMPARE(classifier.size(1), static_cast<std::int64_t>(embeddings.size()));
            double worst = 0;
            for (std::size_t c = 0; c < embeddings.size(); ++c)
                for (std::size_t d = 0; d < embeddings[c].size(); ++d)
                    worst = std::max(
                        worst,
                        std::abs(classifier[static_cast<long>(d)][static_cast<long>(c)].item<double>() -
                                 embeddings[c][d]));
            QVERIFY2(worst < 1e-5, qPrintable(QString("classifier differs by %1").arg(worst)));

            const ImageFolder folder = ImageFolder::scan(kZeroShot / "shapes12/test");
            const torch::Tensor features = encodeImageFolder(extractor, folder, 16);
            const auto upstream = expected.at("image_features").get<std::vector<std::vector<float>>>();
            worst = 0;
            for (std::size_t i = 0; i < upstream.size(); ++i)
                for (std::size_t d = 0; d < upstream[i].size(); ++d)
                    worst = std::max(
                        worst, std::abs(features[static_cast<long>(i)][static_cast<long>(d)].item<double>() -
                                        upstream[i][d]));
            QVERIFY2(worst < 1e-5, qPrintable(QString("image features differ by %1").arg(worst)));

            const ZeroShotScores scores = scoreImages(features, classifier, folder.targets());
            QCOMPARE(scores.correctTop1(), expected.at("correct").get<std::int64_t>());
            for (std::int64_t i = 0; i < scores.images(); ++i) {
                const json& logits = expected.at("logits")[static_cast<std::size_t>(i)];
                QVERIFY(samePrediction(scores.predicted(i), argmax(logits), logits, 1e-3));
            }
            // the extras the GUI shows agree with each other
            std::int64_t diagonal = 0, all = 0;
            for (int t = 0; t < scores.classes(); ++t)
                for (int p = 0; p < scores.classes(); ++p) {
                    all += scores.confusion(t, p);
                    diagonal += t == p ? scores.confusion(t, p) : 0;
                }
            QCOMPARE(all, scores.images());
            QCOMPARE(diagonal, scores.correctTop1());
            QVERIFY(scores.correctTop5() >= scores.correctTop1());
        }
    }

    void cliMatchesEveryUpstreamCase_data()
    {
        QTest::addColumn<int>("caseIndex");
        const json cases = readJson(kZeroShot / "cases.json");
        for (std::size_t i = 0; i < cases.size(); ++i)
            QTest::newRow(cases[i].at("id").get<std::string>().c_str()) << static_cast<int>(i);
    }

    void cliMatchesEveryUpstreamCase()
    {
        QFETCH(int, caseIndex);
        const json cases = readJson(kZeroShot / "cases.json");
        const json& c = cases[static_cast<std::size_t>(caseIndex)];
        const json expected = readJson(kZeroShot / c.at("expected").get<std::string>());
        QTemporaryDir out;
        QStringList arguments{"zeroshot-eval"};
        const auto argv = c.at("argv").get<std::vector<std::string>>();
        for (std::size_t i = 0; i < argv.size(); ++i) {
            arguments << QString::fromStdString(argv[i]);
            if (argv[i] == "--save-dir") // never write next to the fixtures
                arguments << out.path() + "/" + QString::fromStdString(argv[++i]);
        }
        arguments << "--device"
                  << "cpu";
        int exitCode = -1;
        QString errors;
        const QString stdoutText =
            runCli(arguments, QString::fromStdString(kZeroShot.string()), &exitCode, &errors);
        QVERIFY2(exitCode == 0, qPrintable(errors));
        const QString tail = QStringLiteral("Result:\n%1\nFinished.\n")
                                 .arg(QString::fromStdString(c.at("result_line").get<std::string>()));
        QVERIFY2(stdoutText.endsWith(tail), qPrintable(stdoutText.right(200)));
        // the upstream printout's other lines we reproduce
        const QString upstreamStdout =
            QString::fromStdString(readText(kZeroShot / c.at("id").get<std::string>() / "stdout.txt"));
        for (const QString& line : upstreamStdout.split('\n'))
            if (line.startsWith("  context_length") || line.startsWith("  dataset:") ||
                line.startsWith("torch.Size") || line.startsWith("Use index") ||
                line.startsWith("Building zero-shot"))
                QVERIFY2(stdoutText.contains(line + "\n"), qPrintable(line));

        const fs::path written = fs::path(out.path().toStdString()) / c.at("output_file").get<std::string>();
        QVERIFY2(fs::exists(written), written.c_str());
        const std::string ourText = readText(written);
        const std::string theirText = readText(kZeroShot / c.at("output_file").get<std::string>());
        QVERIFY(ourText.back() == '}'); // one line, no newline, as upstream writes it
        const json ours = json::parse(ourText), theirs = json::parse(theirText);
        for (const char* key : {"model_name", "dataset_name", "num_trainable_params", "num_params",
                                "num_visual_params", "num_backbone_params", "n_shot", "rnd_seeds"})
            QVERIFY2(ours.at(key) == theirs.at(key), key);
        // the same keys in the same order (json.dumps keeps insertion order; ours is written so)
        QCOMPARE(ourText.substr(0, ourText.find("\"predictions\"")),
                 theirText.substr(0, theirText.find("\"predictions\"")));

        const json& ourRows = ours.at("predictions").at(0);
        const json& theirRows = theirs.at("predictions").at(0);
        QCOMPARE(ourRows.size(), theirRows.size());
        const auto order = expected.at("output_order").get<std::vector<std::int64_t>>();
        int exactValues = 0, values = 0;
        double worst = 0;
        for (std::size_t r = 0; r < theirRows.size(); ++r) {
            QCOMPARE(ourRows[r].size(), theirRows[r].size());
            const json& logits = expected.at("logits")[static_cast<std::size_t>(order[r])];
            QVERIFY2(samePrediction(argmax(ourRows[r]), argmax(theirRows[r]), logits, 1e-3),
                     qPrintable(QString("row %1").arg(r)));
            for (std::size_t k = 0; k < theirRows[r].size(); ++k) {
                const double a = ourRows[r][k].get<double>(), b = theirRows[r][k].get<double>();
                worst = std::max(worst, std::abs(a - b));
                exactValues += a == b;
                ++values;
            }
        }
        qInfo("%s: %d of %d rounded probabilities identical, largest difference %.2g",
              c.at("id").get<std::string>().c_str(), exactValues, values, worst);
        QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
    }

    void upstreamRoundingAndNaming()
    {
        // Python's round(x, 6) (values checked with python3): the stored double decides near a tie
        QCOMPARE(pythonRound6(0.0000105), 1e-05);    // stored as 1.0499999...e-05
        QCOMPARE(pythonRound6(0.0000125), 1.3e-05);  // stored as 1.2500000...06e-05
        QCOMPARE(pythonRound6(2.5e-06), 3e-06);      // stored above the tie
        QCOMPARE(pythonRound6(0.1234565), 0.123456); // stored below the tie
        QCOMPARE(pythonRound6(0.9999996), 1.0);
        QCOMPARE(pythonRound6(4e-7), 0.0);
        QCOMPARE(QString::fromStdString(upstreamModelName("ViT-B-16")), QStringLiteral("CN-CLIP-ViT-B-16"));
        QCOMPARE(QString::fromStdString(upstreamModelName("../model_configs/Tiny-ViT.json")),
                 QStringLiteral("CN-CLIP-Tiny-ViT"));
        UpstreamZeroShotOutput output;
        output.modelName = "CN-CLIP-RN50";
        output.datasetName = "水果";
        output.numParams = 7;
        output.numVisualParams = 3;
        output.rows = 1;
        output.classes = 3;
        output.probabilities = {0.5f, 0.25f, 1e-6f};
        QCOMPARE(QString::fromStdString(renderUpstreamZeroShotJson(output)),
                 QStringLiteral(
                     "{\"model_name\": \"CN-CLIP-RN50\", \"dataset_name\": \"\\u6c34\\u679c\", "
                     "\"num_trainable_params\": 0, \"num_params\": 7, \"num_visual_params\": 3, "
                     "\"num_backbone_params\": 7, \"n_shot\": 0, \"rnd_seeds\": [123], \"predictions\": "
                     "[[[0.5, 0.25, 1e-06]]]}"));
    }

    void badInputGivesOneClearError()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        // a class folder without images (only a text file)
        fs::create_directories(root / "test/0");
        fs::create_directories(root / "test/1");
        fs::copy_file(kZeroShot / "shapes5/test/0/Z88.png", root / "test/0/Z88.png");
        std::ofstream(root / "test/1/notes.txt") << "x";
        try {
            ImageFolder::scan(root / "test");
            QFAIL("an empty class folder was accepted");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("class folder(s) 1") != std::string::npos, e.what());
        }
        QVERIFY_THROWS_EXCEPTION(Error, ImageFolder::scan(root / "missing"));

        // a corrupt image names its file
        std::ofstream(root / "test/1/broken.jpg") << "\xff\xd8\xff not really a jpeg";
        std::ofstream(root / "labels.txt") << "红色\n蓝色\n";
        std::ofstream(root / "index.json") << "[0, 5]";
        int exitCode = -1;
        QString errors;
        const QStringList common{
            "zeroshot-eval",
            "--datapath",
            "test",
            "--label-file",
            "labels.txt",
            "--resume",
            QString::fromStdString((kFixtures / "model/init.pt").string()),
            "--vision-model",
            QString::fromStdString((kFixtures / "model_configs/Tiny-ViT.json").string()),
            "--text-model",
            QString::fromStdString((kFixtures / "model_configs/Tiny-BERT.json").string()),
            "--precision",
            "fp32",
            "--device",
            "cpu",
            "--save-dir",
            "out"};
        runCli(common, dir.path(), &exitCode, &errors);
        QCOMPARE(exitCode, 1);
        // one line naming the file, after the progress lines
        const QString last = errors.trimmed().split('\n').last();
        QVERIFY2(last.startsWith("clipwb-cli zeroshot-eval: error: cannot decode test/1/broken.jpg"),
                 qPrintable(errors));
        fs::remove(root / "test/1/broken.jpg");
        fs::copy_file(kZeroShot / "shapes5/test/1/a57.jpg", root / "test/1/a57.jpg");

        // an index entry out of range is named
        runCli(common + QStringList{"--index", "index.json"}, dir.path(), &exitCode, &errors);
        QCOMPARE(exitCode, 1);
        QVERIFY2(errors.contains("index.json: entry 1 is 5"), qPrintable(errors));
        // fewer names than class folders
        std::ofstream(root / "labels.txt") << "红色\n";
        runCli(common, dir.path(), &exitCode, &errors);
        QCOMPARE(exitCode, 1);
        QVERIFY2(errors.contains("labels.txt names 1 classes but test has 2 class folders"),
                 qPrintable(errors));
        // and the happy path of the same set: a grey/colour mix classified, file written
        std::ofstream(root / "labels.txt") << "红色\n蓝色\n";
        const QString printed = runCli(common + QStringList{"--index", "index.json", "--dataset", "水果"},
                                       dir.path(), &exitCode, &errors);
        QCOMPARE(exitCode, 1); // index still out of range
        std::ofstream(root / "index.json") << "[1, -2]";
        const QString ok = runCli(common + QStringList{"--index", "index.json", "--dataset", "水果"},
                                  dir.path(), &exitCode, &errors);
        QVERIFY2(exitCode == 0, qPrintable(errors));
        QVERIFY(ok.contains("zeroshot-top1: "));
        const json file = readJson(root / "out/水果.json");
        QCOMPARE(file.at("predictions").at(0).size(), std::size_t{2});
        Q_UNUSED(printed);
    }
};

QTEST_GUILESS_MAIN(TestZeroShotEval)
#include "TestZeroShotEval.moc"
