#include "ui/dataset/DatasetStatsView.h"

#include "data/DatasetStatistics.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

#include "ui/common/QCustomPlotInclude.h"

#include <algorithm>

namespace clipwb::ui {

namespace {

struct Histogram {
    QVector<double> keys;
    QVector<double> counts;
    double binWidth = 1;
};

/// Bins values into at most maxBins bins of a round width.
Histogram histogram(const std::vector<int>& values, int maxBins)
{
    Histogram result;
    if (values.empty())
        return result;
    const auto [lowIt, highIt] = std::minmax_element(values.begin(), values.end());
    const int low = *lowIt;
    const int high = *highIt;
    int width = 1;
    for (int step : {1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 256, 500, 1000}) {
        width = step;
        if ((high - low) / step + 1 <= maxBins)
            break;
    }
    const int first = low / width * width;
    const int bins = (high - first) / width + 1;
    result.binWidth = width;
    result.keys.resize(bins);
    result.counts.fill(0, bins);
    for (int b = 0; b < bins; ++b)
        result.keys[b] = first + b * width + (width - 1) / 2.0;
    for (int v : values)
        result.counts[(v - first) / width] += 1;
    return result;
}

void stylePlot(QCustomPlot* plot, const QString& title, const QString& xLabel)
{
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, title, QFont(plot->font().family(), 10, QFont::Bold)));
    plot->xAxis->setLabel(xLabel);
    plot->yAxis->setLabel(DatasetStatsView::tr("count"));
    plot->setMinimumHeight(220);
}

} // namespace

DatasetStatsView::DatasetStatsView(QWidget* parent) : QWidget(parent)
{
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("statsSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_summary->setMinimumWidth(240);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("statsProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setFormat(tr("Reading the split… %p%"));
    m_progress->hide();
    m_tokenPlot = new QCustomPlot;
    m_tokenPlot->setObjectName(QStringLiteral("tokenLengthPlot"));
    stylePlot(m_tokenPlot, tr("Caption length"), tr("wordpieces (before [CLS]/[SEP])"));
    m_sizePlot = new QCustomPlot;
    m_sizePlot->setObjectName(QStringLiteral("imageSizePlot"));
    stylePlot(m_sizePlot, tr("Image size"), tr("pixels"));
    for (QCustomPlot* plot : {m_tokenPlot, m_sizePlot}) {
        QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
        ticker->setTickStep(1);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        plot->xAxis->setTicker(ticker);
    }

    auto* left = new QVBoxLayout;
    left->addWidget(m_progress);
    left->addWidget(m_summary, 1);
    auto* plots = new QVBoxLayout;
    plots->addWidget(m_tokenPlot, 1);
    plots->addWidget(m_sizePlot, 1);
    auto* layout = new QHBoxLayout(this);
    layout->addLayout(left);
    layout->addLayout(plots, 1);
}

void DatasetStatsView::showProgress(double fraction)
{
    m_progress->show();
    m_progress->setValue(int(std::clamp(fraction, 0.0, 1.0) * 1000));
}

void DatasetStatsView::showMessage(const QString& message)
{
    m_progress->hide();
    m_summary->setText(message);
    m_tokenPlot->clearPlottables();
    m_tokenPlot->clearItems();
    m_tokenPlot->replot();
    m_sizePlot->clearPlottables();
    m_sizePlot->replot();
}

QString DatasetStatsView::summaryText() const
{
    return m_summary->text();
}

void DatasetStatsView::setStatistics(std::shared_ptr<const data::DatasetStatistics> statistics)
{
    m_progress->hide();
    if (!statistics) {
        showMessage(QString());
        return;
    }
    const data::DatasetStatistics& s = *statistics;
    int64_t totalTexts = 0;
    double sumLength = 0;
    for (size_t n = 0; n < s.tokenLengthCounts.size(); ++n) {
        totalTexts += s.tokenLengthCounts[n];
        sumLength += double(n) * double(s.tokenLengthCounts[n]);
    }
    QString formats;
    for (const auto& [format, count] : s.imageFormats)
        formats += QStringLiteral("%1 %2 ").arg(QString::fromStdString(format)).arg(count);
    auto row = [](const QString& name, const QString& value) {
        return QStringLiteral("<tr><td>%1</td><td align='right'>&nbsp;&nbsp;<b>%2</b></td></tr>").arg(name, value);
    };
    QString html = QStringLiteral("<table>");
    html += row(tr("pairs (num_samples)"), QString::number(s.numSamples));
    html += row(tr("images (num_images)"), QString::number(s.numImages));
    html += row(tr("images with pairs"), QString::number(s.imagesWithPairs));
    html += row(tr("distinct texts"), QString::number(s.distinctTexts));
    html += row(tr("most pairs of one image"), QString::number(s.maxPairsPerImage));
    html += row(tr("broken records"), QString::number(s.brokenRecords));
    if (totalTexts > 0) {
        html += row(tr("mean caption length"), QString::number(sumLength / double(totalTexts), 'f', 1));
        html += row(tr("cut at context_length %1").arg(s.contextLength),
                    QStringLiteral("%1 (%2%)")
                        .arg(s.truncatedTexts)
                        .arg(100.0 * double(s.truncatedTexts) / double(totalTexts), 0, 'f', 1));
    }
    html += row(s.imagesExamined < s.numImages ? tr("images examined (sample)") : tr("images examined"),
                QString::number(s.imagesExamined));
    html += row(tr("unreadable images"), QString::number(s.unreadableImages));
    html += row(tr("images missing from imgs"), QString::number(s.missingImages));
    html += row(tr("formats"), formats.trimmed().toHtmlEscaped());
    html += QStringLiteral("</table>");
    m_summary->setText(html);
    drawTokenLengths(s);
    drawImageSizes(s);
}

void DatasetStatsView::drawTokenLengths(const data::DatasetStatistics& s)
{
    m_tokenPlot->clearPlottables();
    m_tokenPlot->clearItems();
    QVector<double> keys;
    QVector<double> counts;
    double top = 1;
    for (size_t n = 0; n < s.tokenLengthCounts.size(); ++n) {
        if (s.tokenLengthCounts[n] == 0)
            continue;
        keys << double(n);
        counts << double(s.tokenLengthCounts[n]);
        top = std::max(top, double(s.tokenLengthCounts[n]));
    }
    auto* bars = new QCPBars(m_tokenPlot->xAxis, m_tokenPlot->yAxis);
    bars->setName(tr("captions"));
    bars->setWidth(0.8);
    bars->setPen(Qt::NoPen);
    bars->setBrush(QColor(0x3b, 0x7d, 0xd8));
    bars->setData(keys, counts, true);

    const double cut = s.contextLength - 2 + 0.5;
    auto* line = new QCPItemStraightLine(m_tokenPlot);
    line->point1->setCoords(cut, 0);
    line->point2->setCoords(cut, 1);
    line->setPen(QPen(QColor(0xB0, 0x00, 0x20), 1.5, Qt::DashLine));
    auto* label = new QCPItemText(m_tokenPlot);
    label->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
    label->position->setCoords(cut, top * 1.12);
    label->setText(tr("context_length %1 cuts here ").arg(s.contextLength));
    label->setColor(QColor(0xB0, 0x00, 0x20));

    const double maxKey = keys.isEmpty() ? 10 : keys.last();
    m_tokenPlot->xAxis->setRange(-0.5, std::max(maxKey, cut) + 1.5);
    m_tokenPlot->yAxis->setRange(0, top * 1.15);
    m_tokenPlot->replot();
}

void DatasetStatsView::drawImageSizes(const data::DatasetStatistics& s)
{
    m_sizePlot->clearPlottables();
    std::vector<int> widths;
    std::vector<int> heights;
    for (const auto& [w, h] : s.imageSizes) {
        widths.push_back(w);
        heights.push_back(h);
    }
    std::vector<int> all = widths;
    all.insert(all.end(), heights.begin(), heights.end());
    const Histogram both = histogram(all, 40);
    double top = 1;
    auto* group = new QCPBarsGroup(m_sizePlot);
    const struct {
        const std::vector<int>* values;
        QString name;
        QColor colour;
    } series[] = {{&widths, tr("width"), QColor(0x3b, 0x7d, 0xd8)}, {&heights, tr("height"), QColor(0xe0, 0x8a, 0x2c)}};
    for (const auto& one : series) {
        // Same bins for both series so that the bars line up.
        QVector<double> counts(both.keys.size(), 0);
        for (int v : *one.values) {
            const int bin = int((v - (both.keys.value(0) - (both.binWidth - 1) / 2.0)) / both.binWidth);
            if (bin >= 0 && bin < counts.size())
                counts[bin] += 1;
        }
        for (double c : counts)
            top = std::max(top, c);
        auto* bars = new QCPBars(m_sizePlot->xAxis, m_sizePlot->yAxis);
        bars->setName(one.name);
        bars->setWidth(both.binWidth * 0.4);
        bars->setPen(Qt::NoPen);
        bars->setBrush(one.colour);
        bars->setData(both.keys, counts, true);
        bars->setBarsGroup(group);
    }
    m_sizePlot->legend->setVisible(true);
    if (!both.keys.isEmpty())
        m_sizePlot->xAxis->setRange(both.keys.first() - both.binWidth, both.keys.last() + both.binWidth);
    m_sizePlot->yAxis->setRange(0, top * 1.15);
    m_sizePlot->replot();
}

} // namespace clipwb::ui
