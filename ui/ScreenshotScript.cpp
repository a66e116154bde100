#include "ui/ScreenshotScript.h"

#include "ui/DemoProject.h"
#include "ui/MainWindow.h"
#include "ui/retrieval/RetrievalCompareView.h"
#include "ui/retrieval/RetrievalPage.h"
#include "ui/zeroshot/ZeroShotPage.h"
#include "ui/zeroshot/ZeroShotResultView.h"

#include <QApplication>
#include <QLineEdit>
#include <QListWidget>
#include <QTimer>

#include <cstdio>
#include <memory>

namespace clipwb::ui {

ScreenshotScript::ScreenshotScript(MainWindow* window, QString file, int delayMs)
    : QObject(window), m_window(window), m_target(window), m_file(std::move(file)), m_delayMs(delayMs)
{
}

void ScreenshotScript::takeLater(int defaultDelayMs)
{
    if (m_taken)
        return;
    m_taken = true;
    // Let layouts settle and lazy content (thumbnails, charts) draw first.
    QTimer::singleShot(m_delayMs >= 0 ? m_delayMs : defaultDelayMs, this, [this] {
        const bool ok = m_target->grab().save(m_file);
        if (!ok)
            std::fprintf(stderr, "clipwb: cannot write %s\n", qPrintable(m_file));
        QApplication::exit(ok ? 0 : 1);
    });
}

void ScreenshotScript::takeWhenSettled()
{
    takeLater(1500);
}

void ScreenshotScript::takeWhenReady(DemoProject* demo)
{
    connect(demo, &DemoProject::ready, this, [this] { takeLater(800); });
    connect(demo, &DemoProject::failed, this, [this] { takeLater(800); });
}

void ScreenshotScript::takeAfterQuery(RetrievalPage* page)
{
    connect(page, &RetrievalPage::ready, this, [this, page] {
        const QStringList texts = page->splitTexts();
        if (texts.isEmpty()) {
            takeLater(800);
            return;
        }
        page->queryEdit()->setText(texts.first());
        page->runTextQuery();
    });
    // Queries answer in the background: the image's texts once the grid is there.
    connect(page, &RetrievalPage::queryFinished, this, [this, page] {
        if (QListWidgetItem* first = page->imageResults()->item(0))
            page->showImageTexts(first);
        else
            takeLater(800);
    });
    connect(page, &RetrievalPage::imageTextsFinished, this, [this] { takeLater(800); });
    connect(page, &RetrievalPage::failed, this, [this] { takeLater(800); });
}

void ScreenshotScript::takeAfterComparison(RetrievalCompareView* view)
{
    using View = RetrievalCompareView;
    auto texts = std::make_shared<QStringList>();
    connect(view, &View::ready, this, [view, texts] {
        *texts = view->splitTexts();
        if (texts->isEmpty())
            return;
        view->queryEdit()->setText(texts->takeFirst());
        view->runTextQuery();
    });
    connect(view, &View::queryFinished, this, [view, texts] {
        const bool improved =
            view->goldRank(View::B) < view->goldRank(View::A) && view->goldRank(View::B) <= 5;
        if (!improved && !texts->isEmpty()) {
            view->queryEdit()->setText(texts->takeFirst());
            view->runTextQuery();
        } else if (QListWidgetItem* first = view->imageResults(View::B)->item(0)) {
            view->runImageQuery(first->data(View::IdRole).toLongLong());
        }
    });
    connect(view, &View::imageQueryFinished, this, [this] { takeLater(800); });
    connect(view, &View::failed, this, [this] { takeLater(800); });
}

void ScreenshotScript::takeAfterZeroShot(ZeroShotPage* page, int tab)
{
    connect(page, &ZeroShotPage::finished, this, [this, page, tab] {
        page->resultView()->setCurrentIndex(tab);
        takeLater(800);
    });
    connect(page, &ZeroShotPage::failed, this, [this] { takeLater(800); });
}

void ScreenshotScript::takeOfDialog(QWidget* dialog)
{
    m_target = dialog;
    takeLater(1000);
}

} // namespace clipwb::ui
