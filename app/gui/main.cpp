// clipwb: the desktop workbench. Arguments here; the window in ui/MainWindow,
// the --screenshot scenes in ui/ScreenshotScript.
#include "ui/DemoProject.h"
#include "ui/MainWindow.h"
#include "ui/ScreenshotScript.h"
#include "ui/common/Translations.h"
#include "ui/models/ModelManagerDialog.h"
#include "ui/zeroshot/ZeroShotPage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QIcon>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace {

struct Options {
    QCommandLineOption page{QStringLiteral("page"),
                            QCoreApplication::translate("main", "Open on page NAME (%1).")
                                .arg(clipwb::ui::MainWindow::pageNames().join(QStringLiteral(", "))),
                            QStringLiteral("NAME")};
    QCommandLineOption screenshot{
        QStringLiteral("screenshot"),
        QCoreApplication::translate("main", "Save a picture of the window to FILE and quit."),
        QStringLiteral("FILE")};
    QCommandLineOption size{QStringLiteral("size"),
                            QCoreApplication::translate("main", "Window size WxH (default 1280x820)."),
                            QStringLiteral("WxH")};
    QCommandLineOption demo{
        QStringLiteral("demo"),
        QCoreApplication::translate("main", "Open the demo project: make the demo dataset on first "
                                            "use and load the demo config (Tiny-ViT + Tiny-BERT), "
                                            "ready to train.")};
    QCommandLineOption run{
        QStringLiteral("run"),
        QCoreApplication::translate("main", "Open the run folder DIR on the training dashboard."),
        QStringLiteral("DIR")};
    QCommandLineOption dataset{
        QStringLiteral("dataset"),
        QCoreApplication::translate("main",
                                    "Open the LMDB split (or dataset folder) DIR in the Dataset page."),
        QStringLiteral("DIR")};
    QCommandLineOption checkpoint{
        QStringLiteral("checkpoint"),
        QCoreApplication::translate(
            "main", "Open FILE in the retrieval browser and extract features on the split of "
                    "its run's config.json (the screenshot then shows a query). With --zeroshot: "
                    "checkpoint A of the Zero-shot page."),
        QStringLiteral("FILE")};
    QCommandLineOption compare{QStringLiteral("compare"),
                               QCoreApplication::translate(
                                   "main",
                                   "With --checkpoint: open the retrieval browser's A/B comparison with FILE "
                                   "as the baseline (A) and the checkpoint as B."),
                               QStringLiteral("FILE")};
    QCommandLineOption start{
        QStringLiteral("start"),
        QCoreApplication::translate("main", "Start training the configuration once the window is "
                                            "open (with --demo: once the demo project is ready).")};
    QCommandLineOption zeroshot{
        QStringLiteral("zeroshot"),
        QCoreApplication::translate("main",
                                    "Open the Zero-shot page on the image folder DIR (one sub-folder per "
                                    "class, label_cn.txt beside them) and run it with --checkpoint "
                                    "(and --compare as B)."),
        QStringLiteral("DIR")};
    QCommandLineOption templates{
        QStringLiteral("templates"),
        QCoreApplication::translate(
            "main", "With --zeroshot: the prompt templates upstream uses for --dataset NAME."),
        QStringLiteral("NAME")};
    QCommandLineOption zeroshotTab{
        QStringLiteral("zeroshot-tab"),
        QCoreApplication::translate("main", "With --zeroshot: the result tab to show (accuracy, confusion, "
                                            "misclassified)."),
        QStringLiteral("TAB")};
    QCommandLineOption models{
        QStringLiteral("models"),
        QCoreApplication::translate("main",
                                    "Open the pretrained model manager (the screenshot then shows it).")};
    QCommandLineOption delay{QStringLiteral("screenshot-delay"),
                             QCoreApplication::translate(
                                 "main", "Take the --screenshot MS milliseconds after the window is ready."),
                             QStringLiteral("MS")};
    QCommandLineOption language{
        QStringLiteral("lang"),
        QCoreApplication::translate("main",
                                    "Interface language: en or zh_CN (default: the saved choice, else "
                                    "the system locale)."),
        QStringLiteral("LANG")};

    void addTo(QCommandLineParser& parser) const
    {
        parser.setApplicationDescription(
            QCoreApplication::translate("main", "Chinese-CLIP fine-tuning workbench"));
        parser.addHelpOption();
        parser.addVersionOption();
        for (const QCommandLineOption* option :
             {&demo, &run, &checkpoint, &compare, &zeroshot, &templates, &zeroshotTab, &models, &page,
              &dataset, &screenshot, &size, &start, &delay, &language})
            parser.addOption(*option);
    }
};

void setApplicationNames()
{
    QCoreApplication::setOrganizationName(QStringLiteral("clipwb"));
    QCoreApplication::setApplicationName(QStringLiteral("clipwb"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CLIPWB_VERSION));
    // The installed desktop entry's id, so that Wayland compositors match windows to it.
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.clipwb.clipwb"));
    // --help and --version run on a QCoreApplication: icons (pixmaps) need the GUI.
    if (!qobject_cast<QGuiApplication*>(QCoreApplication::instance()))
        return;
    QIcon icon;
    for (int size : {16, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/clipwb/icons/clipwb-%1.png").arg(size), QSize(size, size));
    QApplication::setWindowIcon(icon);
}

/// The language first, so that the --help text is translated too: --lang is read here
/// because QCommandLineParser prints --help itself while it parses.
void installLanguage(int argc, char** argv)
{
    QString requested;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            requested = QString::fromLocal8Bit(argv[i + 1]);
        else if (std::strncmp(argv[i], "--lang=", 7) == 0)
            requested = QString::fromLocal8Bit(argv[i] + 7);
    }
    if (!clipwb::ui::Translations::install(clipwb::ui::Translations::resolve(requested)))
        std::fprintf(stderr, "clipwb: the Chinese translation cannot be loaded; showing English\n");
}

/// --help and --version need no display: answered before the GUI (and its platform plugin) starts.
bool asksForHelpOrVersion(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i)
        for (const char* flag : {"-h", "--help", "-?", "--help-all", "-v", "--version"})
            if (std::strcmp(argv[i], flag) == 0)
                return true;
    return false;
}

} // namespace

int main(int argc, char** argv)
{
    if (asksForHelpOrVersion(argc, argv)) {
        QCoreApplication core(argc, argv);
        setApplicationNames();
        installLanguage(argc, argv);
        QCommandLineParser parser;
        Options().addTo(parser);
        parser.process(core); // prints and exits
        return 0;
    }
    QApplication app(argc, argv);
    setApplicationNames();
    installLanguage(argc, argv);
    const Options options;
    QCommandLineParser parser;
    options.addTo(parser);
    parser.process(app);

    clipwb::ui::MainWindow window;
    if (parser.isSet(options.size)) {
        const QStringList parts = parser.value(options.size).split(QLatin1Char('x'));
        if (parts.size() == 2)
            window.resize(parts[0].toInt(), parts[1].toInt());
    }
    if (parser.isSet(options.dataset))
        window.openDataset(parser.value(options.dataset)); // a failure shows in the page
    if (parser.isSet(options.page) && !window.showPage(parser.value(options.page))) {
        std::fprintf(stderr, "clipwb: no page '%s'\n", qPrintable(parser.value(options.page)));
        return 2;
    }
    if (parser.isSet(options.run)) {
        QString error;
        if (!window.openRun(parser.value(options.run), &error)) {
            std::fprintf(stderr, "clipwb: %s\n", qPrintable(error));
            return 2;
        }
        if (!parser.isSet(options.page))
            window.showPage(QStringLiteral("training"));
    }
    window.show();

    clipwb::ui::ScreenshotScript* screenshot = nullptr;
    if (parser.isSet(options.screenshot))
        screenshot = new clipwb::ui::ScreenshotScript(
            &window, parser.value(options.screenshot),
            parser.isSet(options.delay) ? parser.value(options.delay).toInt() : -1);
    if (parser.isSet(options.models)) {
        clipwb::ui::ModelManagerDialog* dialog = window.modelManager();
        dialog->show();
        if (screenshot)
            screenshot->takeOfDialog(dialog);
    } else if (parser.isSet(options.zeroshot)) {
        clipwb::ui::ZeroShotPage* page = window.zeroShotPage();
        window.showPage(QStringLiteral("zeroshot"));
        page->setDataset(parser.value(options.zeroshot));
        if (parser.isSet(options.templates))
            page->setTemplateSet(parser.value(options.templates));
        page->setCheckpoint(parser.value(options.checkpoint));
        if (parser.isSet(options.compare))
            page->setCompareCheckpoint(parser.value(options.compare));
        if (parser.isSet(options.checkpoint)) {
            const QStringList tabs = {QStringLiteral("accuracy"), QStringLiteral("confusion"),
                                      QStringLiteral("misclassified")};
            if (screenshot)
                screenshot->takeAfterZeroShot(
                    page, std::max(0, int(tabs.indexOf(parser.value(options.zeroshotTab)))));
            QTimer::singleShot(0, page, &clipwb::ui::ZeroShotPage::run);
        } else if (screenshot) {
            screenshot->takeWhenSettled();
        }
    } else if (parser.isSet(options.demo)) {
        auto* demo = new clipwb::ui::DemoProject(&window);
        const QString page = parser.isSet(options.page) ? parser.value(options.page) : QString();
        const bool start = parser.isSet(options.start);
        QObject::connect(demo, &clipwb::ui::DemoProject::ready, &window, [&window, page, start] {
            if (!page.isEmpty()) // the demo opens on the configuration; --page wins
                window.showPage(page);
            if (start)
                window.startTraining();
        });
        if (screenshot)
            screenshot->takeWhenReady(demo);
        QTimer::singleShot(0, demo, &clipwb::ui::DemoProject::open);
    } else if (parser.isSet(options.checkpoint)) {
        const QString compareWith = parser.isSet(options.compare) ? parser.value(options.compare) : QString();
        window.openCheckpoint(parser.value(options.checkpoint), compareWith);
        if (screenshot && compareWith.isEmpty())
            screenshot->takeAfterQuery(window.retrievalPage());
        else if (screenshot)
            screenshot->takeAfterComparison(window.retrievalCompareView());
        QTimer::singleShot(
            0, &window, [&window, compareWith] { window.extractRetrievalFeatures(!compareWith.isEmpty()); });
    } else {
        if (parser.isSet(options.start))
            QTimer::singleShot(0, &window, &clipwb::ui::MainWindow::startTraining);
        if (screenshot)
            screenshot->takeWhenSettled();
    }
    return app.exec();
}
