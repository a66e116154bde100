// Every page of the main window in Simplified Chinese at the default size
// (1280x820): the window keeps that size (no page's minimum pushes it wider
// or taller), no label or button is narrower than its text, and no visible
// text is left in English (words outside a short list of names and
// technical terms). CLIPWB_SCREENSHOT_DIR=DIR saves each page as
// DIR/zh_CN_<page>.png for looking at.
#include "config/TrainConfig.h"
#include "ui/MainWindow.h"
#include "ui/common/Translations.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTabBar>
#include <QTest>
#include <QTextDocument>

namespace {

// Names and technical terms that stay as they are in the Chinese interface
// (Chinese-CLIP's own Chinese documentation writes them in Latin letters too).
const QStringList kKept = {
    QStringLiteral("clipwb"), QStringLiteral("Chinese"), QStringLiteral("CLIP"), QStringLiteral("LMDB"),
    QStringLiteral("BERT"), QStringLiteral("RoBERTa"), QStringLiteral("Tiny"), QStringLiteral("Adam"),
    QStringLiteral("AdamW"), QStringLiteral("FlashAttention"), QStringLiteral("Logit"),
    QStringLiteral("logit"), QStringLiteral("JSON"), QStringLiteral("MiB"), QStringLiteral("KiB"),
    QStringLiteral("auto"), QStringLiteral("cuda"), QStringLiteral("fp32"), QStringLiteral("none"),
    QStringLiteral("Ctrl"), QStringLiteral("Shift"), QStringLiteral("Tokens"), QStringLiteral("wwm"),
    QStringLiteral("chinese"), QStringLiteral("base"), QStringLiteral("large"), QStringLiteral("token"),
    QStringLiteral("flash"), QStringLiteral("epoch"), QStringLiteral("batch"), QStringLiteral("size"),
    QStringLiteral("Tokenizer"), QStringLiteral("None"), QStringLiteral("null"), QStringLiteral("true"),
    QStringLiteral("false"), QStringLiteral("logsfan"), QStringLiteral("Jupyter"),
    // upstream's name of its generic prompt-template set (zeroshot --dataset)
    QStringLiteral("openai")};

// Option keys (warmup, precision, ...) are upstream's names and stay as they are.
bool isOptionKey(const QString& word)
{
    for (const auto& option : clipwb::config::options())
        if (word == QString::fromStdString(option.key))
            return true;
    return false;
}

// Words of four or more letters that are not a kept term, in text that is not a path or identifier.
QStringList englishWords(const QString& input)
{
    QStringList words;
    // A clipwb-cli command named in the text ("clipwb-cli train --nproc-per-node N") is an identifier.
    static const QRegularExpression command(QStringLiteral("clipwb-cli [a-z-]+"));
    const QString text = QString(input).remove(command);
    static const QRegularExpression token(QStringLiteral("[^\\s,;:()（）\\[\\]<>，。：；、“”\"']+"));
    for (auto it = token.globalMatch(text); it.hasNext();) {
        const QString t = it.next().captured(0);
        if (t.contains(QRegularExpression(QStringLiteral("[/_.=@0-9\\-+*%{}]"))))
            continue; // paths, file names, option keys, numbers, flags
        // CamelCase words are names (RandomResizedCrop, AutoAugment), kept as they are.
        if (t.contains(QRegularExpression(QStringLiteral("^.+[A-Z]"))))
            continue;
        if (t.size() >= 4 && t.contains(QRegularExpression(QStringLiteral("^[A-Za-z&]+$"))) &&
            !kKept.contains(QString(t).remove(QLatin1Char('&'))) && !isOptionKey(t))
            words << t;
    }
    return words;
}

QString plain(const QString& text)
{
    if (!Qt::mightBeRichText(text))
        return text;
    QTextDocument doc;
    doc.setHtml(text);
    return doc.toPlainText();
}

} // namespace

class TestChineseUi : public QObject {
    Q_OBJECT
private:
    QStringList m_english;
    QStringList m_clipped;

    void inspect(QWidget* root, const QString& page)
    {
        for (QWidget* w : root->findChildren<QWidget*>()) {
            if (!w->isVisible() || w->width() <= 0)
                continue;
            QStringList texts;
            if (auto* label = qobject_cast<QLabel*>(w)) {
                texts << plain(label->text());
                // A one-line label narrower than its text is cut off at the edge.
                if (!label->wordWrap() && !label->text().isEmpty() && label->pixmap().isNull() &&
                    label->width() + 1 < label->sizeHint().width() &&
                    label->sizePolicy().horizontalPolicy() != QSizePolicy::Ignored)
                    m_clipped << QStringLiteral("%1: label \"%2\" is %3 px wide, its text needs %4")
                                     .arg(page, plain(label->text()).left(60))
                                     .arg(label->width())
                                     .arg(label->sizeHint().width());
            } else if (auto* button = qobject_cast<QAbstractButton*>(w)) {
                texts << button->text();
                if (!button->text().isEmpty() && button->width() + 1 < button->sizeHint().width())
                    m_clipped << QStringLiteral("%1: button \"%2\" is %3 px wide, its text needs %4")
                                     .arg(page, button->text())
                                     .arg(button->width())
                                     .arg(button->sizeHint().width());
            } else if (auto* box = qobject_cast<QGroupBox*>(w)) {
                texts << box->title();
            } else if (auto* tabs = qobject_cast<QTabBar*>(w)) {
                for (int i = 0; i < tabs->count(); ++i)
                    texts << tabs->tabText(i);
            } else if (auto* header = qobject_cast<QHeaderView*>(w)) {
                if (header->model())
                    for (int i = 0; i < header->count(); ++i)
                        texts << header->model()->headerData(i, header->orientation()).toString();
            } else if (auto* edit = qobject_cast<QLineEdit*>(w)) {
                texts << edit->placeholderText();
            } else if (auto* combo = qobject_cast<QComboBox*>(w)) {
                if (!combo->isEditable())
                    texts << combo->currentText();
            }
            if (!w->toolTip().isEmpty())
                texts << plain(w->toolTip());
            for (const QString& text : texts) {
                const QStringList words = englishWords(text);
                if (!words.isEmpty())
                    m_english << QStringLiteral("%1: %2 \"%3\" (%4)")
                                     .arg(page, QString::fromLatin1(w->metaObject()->className()),
                                          text.left(80), words.join(QLatin1Char(' ')));
            }
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("clipwb-test-chinese-ui"));
        QVERIFY(clipwb::ui::Translations::install(QStringLiteral("zh_CN")));
    }

    void everyPageFitsAndIsChinese()
    {
        clipwb::ui::MainWindow window;
        window.resize(1280, 820);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QString shots = qEnvironmentVariable("CLIPWB_SCREENSHOT_DIR");
        for (const QString& page : clipwb::ui::MainWindow::pageNames()) {
            QVERIFY(window.showPage(page));
            QTest::qWait(300);
            QCOMPARE(window.size(), QSize(1280, 820));
            inspect(&window, page);
            if (!shots.isEmpty())
                QVERIFY(window.grab().save(QDir(shots).filePath(QStringLiteral("zh_CN_%1.png").arg(page))));
        }
        // Menus: titles and actions.
        for (QAction* menu : window.menuBar()->actions()) {
            const QStringList words = englishWords(menu->text());
            if (!words.isEmpty())
                m_english << QStringLiteral("menu \"%1\"").arg(menu->text());
            if (menu->menu())
                for (QAction* action : menu->menu()->actions())
                    if (!englishWords(action->text()).isEmpty() && !action->text().contains(QLatin1Char('/')))
                        m_english << QStringLiteral("menu %1: \"%2\"").arg(menu->text(), action->text());
        }
        m_english.removeDuplicates();
        m_clipped.removeDuplicates();
        for (const QString& line : m_english + m_clipped)
            qInfo().noquote() << line;
        QVERIFY2(m_english.isEmpty(), qPrintable(QStringLiteral("English left in the Chinese interface:\n") +
                                                 m_english.join(QLatin1Char('\n'))));
        QVERIFY2(m_clipped.isEmpty(), qPrintable(QStringLiteral("Clipped in Chinese at 1280x820:\n") +
                                                 m_clipped.join(QLatin1Char('\n'))));
    }
};

QTEST_MAIN(TestChineseUi)
#include "TestChineseUi.moc"
