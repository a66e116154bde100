#include "ui/zeroshot/ZeroShotResultView.h"

#include "ui/zeroshot/ZeroShotRunner.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace clipwb::ui {
namespace {

QString percent(double fraction)
{
    return QStringLiteral("%1%").arg(fraction * 100.0, 0, 'f', 1);
}

QTableWidgetItem* readOnlyItem(const QVariant& value)
{
    auto* item = new QTableWidgetItem;
    item->setData(Qt::DisplayRole, value);
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    return item;
}

/// Accuracy in percent with one decimal, as a number (the column sorts numerically).
QVariant accuracyValue(std::int64_t correct, std::int64_t count)
{
    if (count == 0)
        return {};
    return std::round(1000.0 * static_cast<double>(correct) / static_cast<double>(count)) / 10.0;
}

} // namespace

ZeroShotResultView::ZeroShotResultView(QWidget* parent) : QTabWidget(parent)
{
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("zeroshotSummary"));
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setWordWrap(true);
    m_perClass = new QTableWidget;
    m_perClass->setObjectName(QStringLiteral("zeroshotPerClass"));
    m_perClass->verticalHeader()->hide();
    m_perClass->setAlternatingRowColors(true);
    auto* summaryPage = new QWidget;
    auto* summaryLayout = new QVBoxLayout(summaryPage);
    summaryLayout->addWidget(m_summary);
    summaryLayout->addWidget(m_perClass, 1);

    m_confusionModel = new QComboBox;
    m_confusion = new QTableWidget;
    m_confusion->setObjectName(QStringLiteral("zeroshotConfusion"));
    m_confusion->horizontalHeader()->setDefaultSectionSize(34);
    m_confusion->horizontalHeader()->setMinimumSectionSize(24);
    m_confusion->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto* confusionPage = new QWidget;
    auto* confusionLayout = new QVBoxLayout(confusionPage);
    auto* confusionTop = new QHBoxLayout;
    confusionTop->addWidget(new QLabel(tr("Rows: true class, columns: predicted class. Model")));
    confusionTop->addWidget(m_confusionModel);
    confusionTop->addStretch(1);
    confusionLayout->addLayout(confusionTop);
    confusionLayout->addWidget(m_confusion, 1);

    m_mistakeFilter = new QComboBox;
    m_mistakeFilter->setObjectName(QStringLiteral("zeroshotMistakeFilter"));
    m_misclassified = new QListWidget;
    m_misclassified->setObjectName(QStringLiteral("zeroshotMisclassified"));
    m_misclassified->setIconSize(QSize(72, 72));
    m_misclassified->setSpacing(2);
    m_misclassified->setWordWrap(true);
    auto* mistakesPage = new QWidget;
    auto* mistakesLayout = new QVBoxLayout(mistakesPage);
    auto* mistakesTop = new QHBoxLayout;
    mistakesTop->addWidget(new QLabel(tr("Show")));
    mistakesTop->addWidget(m_mistakeFilter);
    mistakesTop->addStretch(1);
    mistakesLayout->addLayout(mistakesTop);
    mistakesLayout->addWidget(m_misclassified, 1);

    addTab(summaryPage, tr("Accuracy"));
    addTab(confusionPage, tr("Confusion matrix"));
    addTab(mistakesPage, tr("Misclassified"));

    connect(m_confusionModel, &QComboBox::currentIndexChanged, this, &ZeroShotResultView::showConfusion);
    connect(m_mistakeFilter, &QComboBox::currentIndexChanged, this, &ZeroShotResultView::showMistakes);
    clear();
}

void ZeroShotResultView::clear()
{
    m_result.reset();
    m_summary->setText(tr("No result yet."));
    m_perClass->clear();
    m_perClass->setRowCount(0);
    m_perClass->setColumnCount(0);
    m_confusion->clear();
    m_confusion->setRowCount(0);
    m_confusion->setColumnCount(0);
    m_confusionModel->clear();
    m_mistakeFilter->clear();
    m_misclassified->clear();
    setTabText(2, tr("Misclassified"));
}

void ZeroShotResultView::showResult(std::shared_ptr<const ZeroShotRunResult> result,
                                    const QStringList& classNames, const QStringList& modelNames)
{
    m_result = std::move(result);
    m_classNames = classNames;
    m_modelNames = modelNames;
    showSummary();
    showPerClass();

    m_confusionModel->blockSignals(true);
    m_confusionModel->clear();
    m_confusionModel->addItems(m_modelNames);
    m_confusionModel->blockSignals(false);
    showConfusion();

    m_mistakeFilter->blockSignals(true);
    const int filter = std::max(0, m_mistakeFilter->currentIndex());
    m_mistakeFilter->clear();
    if (m_result->scores.size() == 2) {
        m_mistakeFilter->addItems({tr("images A or B got wrong"),
                                   tr("right with B, wrong with A (fixed by B)"),
                                   tr("wrong with B, right with A (broken by B)")});
        m_mistakeFilter->setCurrentIndex(filter);
    } else {
        m_mistakeFilter->addItem(tr("images the model got wrong"));
    }
    m_mistakeFilter->setEnabled(m_result->scores.size() == 2);
    m_mistakeFilter->blockSignals(false);
    showMistakes();
}

void ZeroShotResultView::setMistakeFilter(MistakeFilter filter)
{
    const int index = static_cast<int>(filter);
    if (index < m_mistakeFilter->count())
        m_mistakeFilter->setCurrentIndex(index);
}

void ZeroShotResultView::showSummary()
{
    const auto& scores = m_result->scores;
    QStringList lines;
    for (std::size_t m = 0; m < scores.size(); ++m)
        lines << tr("<b>%1</b> &nbsp; top-1 <b>%2</b> (%3/%4) &nbsp; top-5 %5 (%6/%4)")
                     .arg(m_modelNames.value(static_cast<int>(m)).toHtmlEscaped(), percent(scores[m].top1()))
                     .arg(scores[m].correctTop1())
                     .arg(scores[m].images())
                     .arg(percent(scores[m].top5Accuracy()))
                     .arg(scores[m].correctTop5());
    if (scores.size() == 2) {
        const double delta = 100.0 * (scores[1].top1() - scores[0].top1());
        lines << tr("B − A: top-1 %1%2 points")
                     .arg(delta > 0 ? QStringLiteral("+") : QString())
                     .arg(delta, 0, 'f', 1);
    }
    m_summary->setText(lines.join(QStringLiteral("<br>")));
}

void ZeroShotResultView::showPerClass()
{
    const auto& scores = m_result->scores;
    const int classes = static_cast<int>(scores.front().classes());
    QStringList headers{tr("Class"), tr("Images")};
    for (const QString& model : m_modelNames)
        headers << tr("%1 top-1 %").arg(model.left(1));
    if (scores.size() == 2)
        headers << tr("B − A");
    m_perClass->setSortingEnabled(false);
    m_perClass->clear();
    m_perClass->setColumnCount(static_cast<int>(headers.size()));
    m_perClass->setHorizontalHeaderLabels(headers);
    m_perClass->setRowCount(classes);
    for (int c = 0; c < classes; ++c) {
        m_perClass->setItem(c, 0, readOnlyItem(m_classNames.value(c)));
        m_perClass->setItem(c, 1, readOnlyItem(static_cast<qlonglong>(scores.front().classCount(c))));
        for (std::size_t m = 0; m < scores.size(); ++m) {
            const QVariant accuracy = accuracyValue(scores[m].classCorrect(c), scores[m].classCount(c));
            auto* item = readOnlyItem(accuracy);
            if (accuracy.isValid()) // a glance down the column finds the weak classes
                item->setBackground(QColor(40, 160, 70, static_cast<int>(20 + 1.6 * accuracy.toDouble())));
            m_perClass->setItem(c, 2 + static_cast<int>(m), item);
        }
        if (scores.size() == 2 && scores[0].classCount(c) > 0) {
            const double a = static_cast<double>(scores[0].classCorrect(c)) / scores[0].classCount(c);
            const double b = static_cast<double>(scores[1].classCorrect(c)) / scores[1].classCount(c);
            const double d = std::round((b - a) * 1000.0) / 10.0;
            auto* delta = readOnlyItem(d);
            delta->setForeground(d < 0   ? QColor(180, 30, 30)
                                 : d > 0 ? QColor(20, 130, 40)
                                         : palette().text().color());
            m_perClass->setItem(c, 4, delta);
        }
    }
    m_perClass->setSortingEnabled(true);
    m_perClass->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
}

void ZeroShotResultView::showConfusion()
{
    const int m = std::max(0, m_confusionModel->currentIndex());
    if (!m_result || m_result->scores.size() <= static_cast<std::size_t>(m))
        return;
    const auto& scores = m_result->scores[static_cast<std::size_t>(m)];
    const int classes = static_cast<int>(scores.classes());
    m_confusion->clear();
    m_confusion->setRowCount(classes);
    m_confusion->setColumnCount(classes);
    QStringList rowHeaders, columnHeaders;
    for (int c = 0; c < classes; ++c) {
        rowHeaders << QStringLiteral("%1 %2").arg(c).arg(m_classNames.value(c).left(14));
        columnHeaders << QString::number(c);
    }
    m_confusion->setVerticalHeaderLabels(rowHeaders);
    m_confusion->setHorizontalHeaderLabels(columnHeaders);
    for (int t = 0; t < classes; ++t) {
        const double rowTotal = static_cast<double>(std::max<std::int64_t>(1, scores.classCount(t)));
        for (int p = 0; p < classes; ++p) {
            const auto count = scores.confusion(t, p);
            auto* item = readOnlyItem(count ? QString::number(count) : QString());
            item->setTextAlignment(Qt::AlignCenter);
            const double share = static_cast<double>(count) / rowTotal;
            if (count) // the diagonal green, mistakes red, deeper with the row's share
                item->setBackground(t == p ? QColor(40, 160, 70, static_cast<int>(40 + 200 * share))
                                           : QColor(210, 50, 40, static_cast<int>(40 + 200 * share)));
            item->setToolTip(tr("%1 → %2: %3 of %4")
                                 .arg(m_classNames.value(t), m_classNames.value(p))
                                 .arg(count)
                                 .arg(scores.classCount(t)));
            m_confusion->setItem(t, p, item);
        }
    }
}

void ZeroShotResultView::showMistakes()
{
    m_misclassified->clear();
    if (!m_result)
        return;
    const auto& scores = m_result->scores;
    const auto& folder = *m_result->folder;
    const auto filter = static_cast<MistakeFilter>(std::max(0, m_mistakeFilter->currentIndex()));
    for (const auto& [image, thumbnail] : m_result->thumbnails) {
        const auto& sample = folder.samples()[static_cast<std::size_t>(image)];
        std::vector<bool> right;
        for (const auto& s : scores)
            right.push_back(s.predicted(image) == sample.target);
        if (scores.size() == 2 && ((filter == MistakeFilter::FixedByB && !(right[1] && !right[0])) ||
                                   (filter == MistakeFilter::BrokenByB && !(!right[1] && right[0]))))
            continue;
        QStringList text{QStringLiteral("%1  —  %2")
                             .arg(QString::fromStdString(sample.path.filename().string()),
                                  tr("true: %1").arg(m_classNames.value(sample.target)))};
        for (std::size_t m = 0; m < scores.size(); ++m) {
            QStringList top;
            for (int c : scores[m].top5(image))
                top << QStringLiteral("%1 %2").arg(m_classNames.value(c),
                                                   percent(scores[m].probability(image, c)));
            text << QStringLiteral("%1 %2  %3")
                        .arg(m_modelNames.value(static_cast<int>(m)).left(1),
                             right[m] ? QStringLiteral("✓") : QStringLiteral("✗"),
                             top.join(QStringLiteral(" · ")));
        }
        auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(thumbnail)), text.join(QLatin1Char('\n')));
        item->setToolTip(QString::fromStdString(sample.path.string()));
        m_misclassified->addItem(item);
    }
    setTabText(2, tr("Misclassified (%1)").arg(m_misclassified->count()));
}

} // namespace clipwb::ui
