// The Simplified Chinese translation is complete: every message of
// translations/clipwb_zh_CN.ts is finished and keeps the placeholders and
// accelerators of its source; lupdate over the sources as they are now finds
// no string the file lacks (a string added without its translation fails
// here); the core's option help, groups and preset descriptions translate;
// Qt's own Chinese strings load.
#include "config/TrainConfig.h"
#include "train/MemoryCheck.h"
#include "ui/MainWindow.h"
#include "ui/common/CoreMessages.h"
#include "ui/common/Translations.h"
#include "ui/config/MemoryEstimateView.h"

#include <QCoreApplication>
#include <QFile>
#include <QLibraryInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

namespace {

struct Message {
    QString context;
    QString source;
    QString translation;
    QString type; ///< "unfinished", "vanished", "obsolete" or ""
    bool numerus = false;
};

QList<Message> readTs(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    QXmlStreamReader xml(&file);
    QList<Message> messages;
    QString context;
    Message current;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        if (xml.name() == QLatin1String("name"))
            context = xml.readElementText();
        else if (xml.name() == QLatin1String("message"))
            current = Message{context,
                              {},
                              {},
                              {},
                              xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes")};
        else if (xml.name() == QLatin1String("source"))
            current.source = xml.readElementText();
        else if (xml.name() == QLatin1String("translation")) {
            current.type = xml.attributes().value(QLatin1String("type")).toString();
            current.translation = xml.readElementText(QXmlStreamReader::IncludeChildElements);
            messages << current;
        }
    }
    if (xml.hasError())
        qFatal("%s: %s", qPrintable(path), qPrintable(xml.errorString()));
    return messages;
}

QStringList placeholders(const QString& text)
{
    QStringList found;
    static const QRegularExpression re(QStringLiteral("%(\\d|n)"));
    for (auto it = re.globalMatch(text); it.hasNext();)
        found << it.next().captured(0);
    found.sort();
    found.removeDuplicates();
    return found;
}

bool hasAccelerator(const QString& text)
{
    static const QRegularExpression re(QStringLiteral("&[^&\\s;]"));
    QString plain = text;
    plain.replace(QLatin1String("&&"), QString());
    // &nbsp; &lt; and friends are HTML, not accelerators.
    plain.remove(QRegularExpression(QStringLiteral("&[a-z]+;")));
    return re.match(plain).hasMatch();
}

} // namespace

class TestTranslations : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyMessageIsFinished()
    {
        const auto messages = readTs(QStringLiteral(CLIPWB_TS_FILE));
        QVERIFY(messages.size() > 500);
        QStringList problems;
        for (const Message& m : messages) {
            const QString where = m.context + QStringLiteral(": ") + m.source;
            if (!m.type.isEmpty())
                problems << QStringLiteral("%1 [%2]").arg(where, m.type);
            else if (m.translation.trimmed().isEmpty())
                problems << QStringLiteral("%1 [empty]").arg(where);
            else if (placeholders(m.source) != placeholders(m.translation))
                problems << QStringLiteral("%1 [placeholders %2 vs %3]")
                                .arg(where, placeholders(m.source).join(QLatin1Char(' ')),
                                     placeholders(m.translation).join(QLatin1Char(' ')));
            else if (hasAccelerator(m.source) != hasAccelerator(m.translation))
                problems << QStringLiteral("%1 [accelerator]").arg(where);
        }
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    }

    void lupdateFindsNothingNew()
    {
        // lupdate over today's sources into a copy: any string the committed file lacks comes back
        // unfinished.
        QTemporaryDir dir;
        const QString copy = dir.filePath(QStringLiteral("clipwb_zh_CN.ts"));
        QVERIFY(QFile::copy(QStringLiteral(CLIPWB_TS_FILE), copy));
        QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
        const auto lines = [](const QString& path) {
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly))
                qFatal("cannot read %s", qPrintable(path));
            return QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        };
        const QStringList sources = lines(QStringLiteral(CLIPWB_I18N_DIR "/sources.txt"));
        QVERIFY(sources.size() > 20);
        QStringList args = lines(QStringLiteral(CLIPWB_I18N_DIR "/lupdate-options.txt"));
        args << sources << QStringLiteral("-ts") << copy;
        QProcess lupdate;
        lupdate.start(QStringLiteral(CLIPWB_LUPDATE), args);
        QVERIFY(lupdate.waitForFinished(120000));
        QVERIFY2(lupdate.exitCode() == 0, lupdate.readAllStandardError().constData());
        QStringList missing;
        for (const Message& m : readTs(copy))
            if (!m.type.isEmpty())
                missing << m.context + QStringLiteral(": ") + m.source;
        QVERIFY2(
            missing.isEmpty(),
            qPrintable(QStringLiteral(
                           "strings without a Chinese translation (cmake --build build --target "
                           "update_translations, then translate them in translations/clipwb_zh_CN.ts):\n") +
                       missing.join(QLatin1Char('\n'))));
    }

    void coreStringsTranslate()
    {
        QTranslator translator;
        QVERIFY(translator.load(QStringLiteral(":/i18n/clipwb_zh_CN.qm")));
        QStringList missing;
        const auto check = [&](const std::string& text) {
            if (translator.translate("clipwb::config", text.c_str()).isEmpty())
                missing << QString::fromStdString(text);
        };
        for (const auto& option : clipwb::config::options())
            check(option.help);
        for (const auto& group : clipwb::config::groups())
            check(group);
        for (const auto& preset : clipwb::config::presetNames())
            check(clipwb::config::presetDescription(preset));
        QVERIFY2(missing.isEmpty(),
                 qPrintable(QStringLiteral("core strings without translation (mark them with "
                                           "CLIPWB_TR_NOOP, or list presets in ui/CoreStrings.cpp):\n") +
                            missing.join(QLatin1Char('\n'))));
    }

    void coreMessagesTranslate()
    {
        QVERIFY(clipwb::ui::Translations::install(QStringLiteral("zh_CN")));
        using clipwb::ui::CoreMessages;
        QCOMPARE(CoreMessages::translate(std::string("out of range: 0 (must be >= 1)")),
                 QStringLiteral("超出范围：0（必须 >= 1）"));
        // Parts that are messages themselves are translated too; paths with % stay as they are.
        QCOMPARE(CoreMessages::translate(
                     std::string("'Tiny-BERT' is not a vision model config (it is a text config)")),
                 QStringLiteral("“Tiny-BERT”不是视觉模型配置（它是文本配置）"));
        QCOMPARE(CoreMessages::translate(std::string("folder not found: /data/%1/x")),
                 QStringLiteral("找不到文件夹：/data/%1/x"));
        QCOMPARE(CoreMessages::translate(std::string("a message nobody listed")),
                 QStringLiteral("a message nobody listed"));
        // What the configuration page shows for a config with many problems: all of it in Chinese.
        clipwb::config::TrainConfig config;
        config.train_data = "/nonexistent/train";
        config.val_data = "";
        config.batch_size = 0;
        config.mask_ratio = 1.5;
        config.precision = "fp8";
        config.device = "tpu";
        config.vision_model = "ViT-X";
        config.text_model = "ViT-B-16";
        config.name = "a/b";
        config.distillation = true;
        config.teacher_model_name = std::nullopt;
        const auto issues = clipwb::config::validate(config);
        QVERIFY(issues.size() >= 8);
        QStringList untranslated;
        for (const auto& issue : issues)
            if (CoreMessages::translate(issue.message) == QString::fromStdString(issue.message))
                untranslated << QString::fromStdString(issue.text());
        QVERIFY2(untranslated.isEmpty(), qPrintable(QStringLiteral("config issues without a template in "
                                                                   "ui/CoreMessages.cpp:\n") +
                                                    untranslated.join(QLatin1Char('\n'))));
        QVERIFY(clipwb::ui::Translations::install(QStringLiteral("en")));
        QCOMPARE(CoreMessages::translate(std::string("out of range: 0 (must be >= 1)")),
                 QStringLiteral("out of range: 0 (must be >= 1)"));
    }

    void memoryReportFollowsTheCore()
    {
        // The Configuration page formats the core's memory report with tr(): in English it is the
        // very text `clipwb-cli config check --memory` prints, in every branch of it.
        QVERIFY(clipwb::ui::Translations::install(QStringLiteral("en")));
        clipwb::train::MemoryCheck check;
        check.estimate.parameterCount = 188262913;
        check.estimate.trainableParameterCount = 188262912;
        check.estimate.parameterBytes = 753051652;
        check.estimate.gradientBytes = 753051648;
        check.estimate.optimizerBytes = 1506103296;
        check.estimate.activationBytesPerSample = 52428800;
        check.estimate.activationBytes = 3355443200;
        check.estimate.workspaceBytes = 104857600;
        check.estimate.totalBytes = 6472507396;
        check.options.batchSize = 64;
        check.device.device = "cuda:0";
        const auto same = [&] {
            QCOMPARE(clipwb::ui::MemoryEstimateView::reportText(check),
                     QString::fromStdString(check.report()));
        };
        same(); // free memory unknown
        check.device.known = true;
        check.device.freeBytes = 23.5e9;
        check.device.totalBytes = 24e9;
        check.largestBatch = 301;
        same(); // fits
        check.fits = false;
        check.largestBatch = 40;
        check.options.precision = "fp32";
        check.options.cuda = true;
        same(); // does not fit: every hint
        check.options.gradCheckpointing = true;
        check.options.fusedAttention = true;
        check.options.precision = "amp";
        check.estimate.castWeightBytes = 376525826;
        same(); // does not fit, no hint left but accum_freq
        QVERIFY(clipwb::ui::Translations::install(QStringLiteral("zh_CN")));
        const QString chinese = clipwb::ui::MemoryEstimateView::reportText(check);
        QVERIFY2(chinese.contains(QStringLiteral("梯度")) && !chinese.contains(QStringLiteral("gradients")),
                 qPrintable(chinese));
        QVERIFY(clipwb::ui::Translations::install(QStringLiteral("en")));
    }

    void cliFollowsTheLocale()
    {
        // clipwb-cli's own lines come from the same translation, chosen like gettext chooses.
        const auto run = [](const QStringList& environment, const QStringList& arguments) {
            QProcess cli;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG", "CLIPWB_LANG"})
                env.remove(QString::fromLatin1(name));
            for (const QString& pair : environment)
                env.insert(pair.section(QLatin1Char('='), 0, 0), pair.section(QLatin1Char('='), 1));
            cli.setProcessEnvironment(env);
            cli.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"), arguments);
            if (!cli.waitForFinished(60000))
                qFatal("clipwb-cli did not finish");
            return QString::fromUtf8(cli.readAllStandardOutput() + cli.readAllStandardError());
        };
        const QStringList unknownCommand = {QStringLiteral("no-such-command")};
        QVERIFY(run({QStringLiteral("LANG=C")}, unknownCommand)
                    .startsWith(QStringLiteral("clipwb-cli: unknown command 'no-such-command'")));
        const QString chinese = run({QStringLiteral("LANG=zh_CN.UTF-8")}, unknownCommand);
        QVERIFY2(chinese.startsWith(QStringLiteral("clipwb-cli：未知命令“no-such-command”")),
                 qPrintable(chinese));
        QVERIFY2(chinese.contains(QStringLiteral("用法：clipwb-cli 命令 [参数]")), qPrintable(chinese));
        // LC_ALL wins over LANG, CLIPWB_LANG over both; traditional-Chinese locales stay English.
        QVERIFY(
            run({QStringLiteral("LANG=zh_CN.UTF-8"), QStringLiteral("LC_ALL=en_US.UTF-8")}, unknownCommand)
                .startsWith(QStringLiteral("clipwb-cli: unknown")));
        QVERIFY(run({QStringLiteral("LANG=zh_CN.UTF-8"), QStringLiteral("CLIPWB_LANG=en")}, unknownCommand)
                    .startsWith(QStringLiteral("clipwb-cli: unknown")));
        QVERIFY(run({QStringLiteral("LANG=zh_TW.UTF-8")}, unknownCommand)
                    .startsWith(QStringLiteral("clipwb-cli: unknown")));
        const QString badFlag = run({QStringLiteral("CLIPWB_LANG=zh_CN")},
                                    {QStringLiteral("export-tensorboard"), QStringLiteral("--bogus")});
        QVERIFY2(badFlag.startsWith(QStringLiteral("clipwb-cli export-tensorboard：错误：未知选项 --bogus")),
                 qPrintable(badFlag));
    }

    void languageFollowsTheChoice()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("clipwb-test-translations"));
        clipwb::ui::Translations::saveLanguage(QString());
        QCOMPARE(clipwb::ui::Translations::resolve(QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
        QCOMPARE(clipwb::ui::Translations::resolve(QStringLiteral("en")), QStringLiteral("en"));
        clipwb::ui::Translations::saveLanguage(QStringLiteral("zh_CN"));
        QCOMPARE(clipwb::ui::Translations::savedLanguage(), QStringLiteral("zh_CN"));
        QCOMPARE(clipwb::ui::Translations::resolve(), QStringLiteral("zh_CN"));
        QVERIFY(clipwb::ui::Translations::install(QStringLiteral("zh_CN")));
        QCOMPARE(QCoreApplication::translate("MainWindow", "&File"), QStringLiteral("文件(&F)"));
        // tr() asks under the class's full name, which lupdate does not write.
        QCOMPARE(clipwb::ui::MainWindow::tr("&File"), QStringLiteral("文件(&F)"));
        // Qt's own strings (Debian: qt6-translations-l10n, which install-deps.sh installs).
        QCOMPARE(QCoreApplication::translate("QPlatformTheme", "Cancel"), QStringLiteral("取消"));
        QVERIFY(clipwb::ui::Translations::install(QStringLiteral("en")));
        QCOMPARE(QCoreApplication::translate("MainWindow", "&File"), QStringLiteral("&File"));
        clipwb::ui::Translations::saveLanguage(QStringLiteral("en"));
        QCOMPARE(clipwb::ui::Translations::resolve(), QStringLiteral("en"));
        clipwb::ui::Translations::saveLanguage(QString());
    }
};

QTEST_MAIN(TestTranslations)
#include "TestTranslations.moc"
