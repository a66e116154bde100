// clipwb: the desktop workbench.
#include "ui/DemoProject.h"
#include "ui/MainWindow.h"
#include "ui/dataset/DatasetPage.h"
#include "ui/retrieval/RetrievalCompareView.h"
#include "ui/retrieval/RetrievalPage.h"
#include "ui/training/TrainingPage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLineEdit>
#include <QListWidget>
#include <QTimer>

#include <cstdio>
#include <memory>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("clipwb"));
    QApplication::setApplicationName(QStringLiteral("clipwb"));
    QApplication::setApplicationVersion(QStringLiteral(CLIPWB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Chinese-CLIP fine-tuning workbench"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption pageOption(QStringLiteral("page"),
        QApplication::translate("main", "Open on page NAME (%1).")
            .arg(clipwb::ui::MainWindow::pageNames().join(QStringLiteral(", "))),
        QStringLiteral("NAME"));
    const QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
        QApplication::translate("main", "Save a picture of the window to FILE and quit."),
        QStringLiteral("FILE"));
    const QCommandLineOption sizeOption(QStringLiteral("size"),
        QApplication::translate("main", "Window size WxH (default 1280x820)."), QStringLiteral("WxH"));
    const QCommandLineOption demoOption(QStringLiteral("demo"),
        QApplication::translate("main", "Open the demo project: make the demo dataset on first use and load the "
                                        "demo config (Tiny-ViT + Tiny-BERT), ready to train."));
    parser.addOption(demoOption);
    const QCommandLineOption runOption(QStringLiteral("run"),
        QApplication::translate("main", "Open the run folder DIR on the training dashboard."), QStringLiteral("DIR"));
    parser.addOption(runOption);
    const QCommandLineOption datasetOption(QStringLiteral("dataset"),
        QApplication::translate("main", "Open the LMDB split (or dataset folder) DIR in the Dataset page."),
        QStringLiteral("DIR"));
    const QCommandLineOption checkpointOption(QStringLiteral("checkpoint"),
        QApplication::translate("main", "Open FILE in the retrieval browser and extract features on the split of "
                                        "its run's config.json (the screenshot then shows a query)."),
        QStringLiteral("FILE"));
    parser.addOption(checkpointOption);
    const QCommandLineOption compareOption(QStringLiteral("compare"),
        QApplication::translate("main", "With --checkpoint: open the retrieval browser's A/B comparison with FILE as "
                                        "the baseline (A) and the checkpoint as B."),
        QStringLiteral("FILE"));
    parser.addOption(compareOption);
    parser.addOption(pageOption);
    parser.addOption(datasetOption);
    parser.addOption(screenshotOption);
    parser.addOption(sizeOption);
    const QCommandLineOption startOption(QStringLiteral("start"),
        QApplication::translate("main", "Start training the configuration once the window is open (with --demo: "
                                        "once the demo project is ready)."));
    parser.addOption(startOption);
    const QCommandLineOption delayOption(QStringLiteral("screenshot-delay"),
        QApplication::translate("main", "Take the --screenshot MS milliseconds after the window is ready."),
        QStringLiteral("MS"));
    parser.addOption(delayOption);
    parser.process(app);
    const int screenshotDelay = parser.isSet(delayOption) ? parser.value(delayOption).toInt() : -1;

    clipwb::ui::MainWindow window;
    if (parser.isSet(sizeOption)) {
        const QStringList parts = parser.value(sizeOption).split(QLatin1Char('x'));
        if (parts.size() == 2)
            window.resize(parts[0].toInt(), parts[1].toInt());
    }
    if (parser.isSet(datasetOption))
        window.datasetPage()->openPath(parser.value(datasetOption)); // a failure shows in the page
    if (parser.isSet(pageOption) && !window.showPage(parser.value(pageOption))) {
        std::fprintf(stderr, "clipwb: no page '%s'\n", qPrintable(parser.value(pageOption)));
        return 2;
    }
    if (parser.isSet(runOption)) {
        QString error;
        if (!window.trainingPage()->openRun(parser.value(runOption), &error)) {
            std::fprintf(stderr, "clipwb: %s\n", qPrintable(error));
            return 2;
        }
        if (!parser.isSet(pageOption))
            window.showPage(QStringLiteral("training"));
    }
    window.show();

    // Let layouts settle and lazy content (thumbnails, charts) draw first.
    const auto screenshotLater = [&window, &parser, &screenshotOption, screenshotDelay](int delayMs) {
        const QString file = parser.value(screenshotOption);
        if (screenshotDelay >= 0)
            delayMs = screenshotDelay;
        QTimer::singleShot(delayMs, &window, [&window, file] {
            const bool ok = window.grab().save(file);
            if (!ok)
                std::fprintf(stderr, "clipwb: cannot write %s\n", qPrintable(file));
            QApplication::exit(ok ? 0 : 1);
        });
    };
    if (parser.isSet(demoOption)) {
        auto* demo = new clipwb::ui::DemoProject(&window);
        QObject::connect(demo, &clipwb::ui::DemoProject::ready, &window, [&] {
            if (parser.isSet(pageOption)) // the demo opens on the configuration; --page wins
                window.showPage(parser.value(pageOption));
            if (parser.isSet(startOption))
                window.trainingPage()->start();
        });
        if (parser.isSet(screenshotOption)) {
            QObject::connect(demo, &clipwb::ui::DemoProject::ready, &window, [&] { screenshotLater(800); });
            QObject::connect(demo, &clipwb::ui::DemoProject::failed, &window, [&] { screenshotLater(800); });
        }
        QTimer::singleShot(0, demo, &clipwb::ui::DemoProject::open);
    } else if (parser.isSet(checkpointOption) && parser.isSet(compareOption)) {
        clipwb::ui::RetrievalPage* page = window.retrievalPage();
        window.showPage(QStringLiteral("retrieval"));
        page->openCheckpoint(parser.value(checkpointOption));
        page->showComparison(true);
        clipwb::ui::RetrievalCompareView* view = page->compareView();
        view->setCheckpoint(clipwb::ui::RetrievalCompareView::A, parser.value(compareOption));
        if (parser.isSet(screenshotOption)) {
            using View = clipwb::ui::RetrievalCompareView;
            // The screenshot shows a split text (the first whose ground truth B ranks higher) and its image's texts.
            auto texts = std::make_shared<QStringList>();
            QObject::connect(view, &View::ready, &window, [view, texts] {
                *texts = view->splitTexts();
                if (texts->isEmpty())
                    return;
                view->queryEdit()->setText(texts->takeFirst());
                view->runTextQuery();
            });
            QObject::connect(view, &View::queryFinished, &window, [view, texts] {
                const bool improved = view->goldRank(View::B) < view->goldRank(View::A) &&
                                      view->goldRank(View::B) <= 5;
                if (!improved && !texts->isEmpty()) {
                    view->queryEdit()->setText(texts->takeFirst());
                    view->runTextQuery();
                } else if (QListWidgetItem* first = view->imageResults(View::B)->item(0)) {
                    view->runImageQuery(first->data(View::IdRole).toLongLong());
                }
            });
            QObject::connect(view, &View::imageQueryFinished, &window, [&] { screenshotLater(800); });
            QObject::connect(view, &View::failed, &window, [&] { screenshotLater(800); });
        }
        QTimer::singleShot(0, view, &clipwb::ui::RetrievalCompareView::startExtraction);
    } else if (parser.isSet(checkpointOption)) {
        clipwb::ui::RetrievalPage* page = window.retrievalPage();
        window.showPage(QStringLiteral("retrieval"));
        page->openCheckpoint(parser.value(checkpointOption));
        if (parser.isSet(screenshotOption)) {
            QObject::connect(page, &clipwb::ui::RetrievalPage::ready, &window, [&, page] {
                const QStringList texts = page->splitTexts();
                if (texts.isEmpty()) {
                    screenshotLater(800);
                    return;
                }
                page->queryEdit()->setText(texts.first());
                page->runTextQuery();
            });
            // Queries answer in the background: the image's texts once the grid is there.
            QObject::connect(page, &clipwb::ui::RetrievalPage::queryFinished, &window, [&, page] {
                if (QListWidgetItem* first = page->imageResults()->item(0))
                    page->showImageTexts(first);
                else
                    screenshotLater(800);
            });
            QObject::connect(page, &clipwb::ui::RetrievalPage::imageTextsFinished, &window,
                             [&] { screenshotLater(800); });
            QObject::connect(page, &clipwb::ui::RetrievalPage::failed, &window, [&] { screenshotLater(800); });
        }
        QTimer::singleShot(0, page, &clipwb::ui::RetrievalPage::startExtraction);
    } else if (parser.isSet(startOption)) {
        QTimer::singleShot(0, window.trainingPage(), &clipwb::ui::TrainingPage::start);
    }
    if (!parser.isSet(demoOption) && !parser.isSet(checkpointOption) && parser.isSet(screenshotOption)) {
        screenshotLater(1500);
    }
    return app.exec();
}
