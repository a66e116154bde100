// `clipwb-cli config check` as a user runs it: good configs print the resolved
// JSON, bad ones every error on stderr with exit 1.
#include <nlohmann/json.hpp>

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

namespace {

struct Run {
    int exitCode;
    QString out;
    QString err;
};

Run cli(const QStringList& args, const QString& workingDir = {})
{
    QProcess process;
    if (!workingDir.isEmpty())
        process.setWorkingDirectory(workingDir);
    process.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"), args);
    if (!process.waitForFinished(60000))
        return {-1, {}, QStringLiteral("timed out")};
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

void write(const QString& path, const std::string& text)
{
    std::ofstream(path.toStdString()) << text;
}

} // namespace

class TestConfigCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void goodConfigPrintsResolvedJson()
    {
        const QString file = QStringLiteral(CLIPWB_TEST_FIXTURES "/train/fp32_bs8/config.json");
        const Run run =
            cli({QStringLiteral("config"), QStringLiteral("check"), file, QStringLiteral("--batch-size"),
                 QStringLiteral("16"), QStringLiteral("--use-augment")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(run.err.isEmpty());
        const auto resolved = nlohmann::json::parse(run.out.toStdString());
        QCOMPARE(resolved["batch_size"].get<int>(), 16);
        QCOMPARE(resolved["use_augment"].get<bool>(), true);
        QCOMPARE(resolved["max_steps"].get<int>(), 24);
        QVERIFY(resolved["max_epochs"].is_null());
        QVERIFY(resolved["train_data"].get<std::string>().find("/lmdb/lmdb/train") != std::string::npos);
        QVERIFY(resolved["train_data"].get<std::string>().front() == '/');
    }

    void everyCommandAnswersHelp()
    {
        const QList<QStringList> commands = {
            {QStringLiteral("tokenize")},
            {QStringLiteral("dataset"), QStringLiteral("info")},
            {QStringLiteral("build-lmdb")},
            {QStringLiteral("make-demo-dataset")},
            {QStringLiteral("train")},
            {QStringLiteral("demo")},
            {QStringLiteral("extract-features")},
            {QStringLiteral("make-topk-predictions")},
            {QStringLiteral("evaluate")},
            {QStringLiteral("convert-checkpoint")},
            {QStringLiteral("config")},
        };
        for (QStringList args : commands) {
            args << QStringLiteral("--help");
            const Run run = cli(args);
            QVERIFY2(run.exitCode == 0, qPrintable(args.join(u' ') + QStringLiteral(": ") + run.err));
            QVERIFY2(run.out.contains(QStringLiteral("usage")), qPrintable(args.join(u' ') + QStringLiteral(": ") + run.out));
            QVERIFY2(!run.err.contains(QStringLiteral("error")), qPrintable(args.join(u' ') + QStringLiteral(": ") + run.err));
        }
    }

    void badConfigListsEveryErrorAndExits1()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("bad.json"));
        write(file, R"({"train_data": "missing", "batchsize": 8, "batch_size": 0, "precision": "fp8",
                        "mask_ratio": 1.0, "max_epochs": null, "vision_model": "ViT-X"})");
        const Run run =
            cli({QStringLiteral("config"), QStringLiteral("check"), file, QStringLiteral("--epochs=3")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.out.isEmpty());
        const QStringList lines = run.err.trimmed().split(QLatin1Char('\n'));
        for (const char* expected :
             {"batchsize: unknown key; did you mean batch_size?",
              "--epochs: unknown option; did you mean --max-epochs?",
              "batch_size: out of range: 0 (must be >= 1)", "mask_ratio: out of range: 1 (must be < 1)",
              "precision: unknown precision 'fp8'", "train_data: folder not found",
              "vision_model: unknown model config 'ViT-X'",
              "max_steps: neither max_steps nor max_epochs is set"})
            QVERIFY2(run.err.contains(QString::fromUtf8(expected)), qPrintable(expected + (": " + run.err)));
        QCOMPARE(lines.size(), 8);
    }

    void unreadableFiles()
    {
        QTemporaryDir dir;
        Run run = cli(
            {QStringLiteral("config"), QStringLiteral("check"), dir.filePath(QStringLiteral("none.json"))});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains(QStringLiteral("none.json")));
        const QString broken = dir.filePath(QStringLiteral("broken.json"));
        write(broken, "{ not json");
        run = cli({QStringLiteral("config"), QStringLiteral("check"), broken});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains(QStringLiteral("broken.json: not valid JSON")));
        run = cli({QStringLiteral("config"), QStringLiteral("check")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains(QStringLiteral("missing FILE")));
    }

    void flagsAndPresets()
    {
        Run run =
            cli({QStringLiteral("config"), QStringLiteral("flags"), QStringLiteral("-"),
                 QStringLiteral("--train-data"), QStringLiteral("lmdb/lmdb/train"),
                 QStringLiteral("--vision-model"), QStringLiteral("Tiny-ViT"), QStringLiteral("--text-model"),
                 QStringLiteral("Tiny-BERT"), QStringLiteral("--grad-checkpointing")},
                QStringLiteral(CLIPWB_TEST_FIXTURES));
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(run.out.startsWith(QStringLiteral("clipwb-cli train")));
        QVERIFY(run.out.contains(QStringLiteral("--grad-checkpointing")));
        QVERIFY(run.out.contains(QStringLiteral("--vision-model=Tiny-ViT")));

        run = cli({QStringLiteral("config"), QStringLiteral("presets")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains(QStringLiteral("demo\t")));
        QVERIFY(run.out.contains(QStringLiteral("low-memory\t")));
        run = cli({QStringLiteral("config"), QStringLiteral("preset"), QStringLiteral("demo"),
                   QStringLiteral("--base"), QStringLiteral("/data/demo")});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(nlohmann::json::parse(run.out.toStdString())["train_data"].get<std::string>(),
                 std::string("/data/demo/lmdb/train"));
    }
};

QTEST_GUILESS_MAIN(TestConfigCli)
#include "TestConfigCli.moc"
