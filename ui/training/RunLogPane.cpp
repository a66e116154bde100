#include "ui/training/RunLogPane.h"

#include "ui/training/RunData.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace clipwb::ui {
namespace {

int levelRank(const QString& level)
{
    if (level == QLatin1String("ERROR") || level == QLatin1String("CRITICAL"))
        return 2;
    if (level == QLatin1String("WARNING"))
        return 1;
    return 0;
}

} // namespace

RunLogPane::RunLogPane(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* header = new QHBoxLayout;
    header->addWidget(new QLabel(tr("<b>Log</b>")));
    header->addStretch();
    header->addWidget(new QLabel(tr("Show:")));
    m_levelCombo = new QComboBox;
    m_levelCombo->setObjectName(QStringLiteral("logLevel"));
    m_levelCombo->addItems({tr("Everything"), tr("Warnings and errors"), tr("Errors only")});
    header->addWidget(m_levelCombo);
    layout->addLayout(header);
    m_view = new QPlainTextEdit;
    m_view->setObjectName(QStringLiteral("logView"));
    m_view->setReadOnly(true);
    m_view->setMaximumBlockCount(20000);
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    layout->addWidget(m_view);
    connect(m_levelCombo, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        if (m_run)
            showRun(*m_run, true);
    });
}

void RunLogPane::clear()
{
    m_run = nullptr;
    m_shown = 0;
    m_errors.clear();
    m_view->clear();
}

void RunLogPane::showRun(const RunData& run, bool rebuild)
{
    const auto& log = run.folder().log();
    if (rebuild || m_run != &run || m_shown > log.size()) {
        m_view->clear();
        m_shown = 0;
        for (const QString& message : m_errors)
            append(QString(), QStringLiteral("ERROR"), message);
    }
    m_run = &run;
    for (; m_shown < log.size(); ++m_shown) {
        const auto& line = log[m_shown];
        append(QString::fromStdString(line.time), QString::fromStdString(line.level),
               QString::fromStdString(line.text));
    }
}

void RunLogPane::append(const QString& time, const QString& level, const QString& text)
{
    if (levelRank(level) < m_levelCombo->currentIndex())
        return;
    m_view->appendPlainText(QStringLiteral("%1%2 %3").arg(
        time.isEmpty() ? QString() : time + QLatin1Char(' '), level.leftJustified(7), text));
}

void RunLogPane::addError(const QString& message)
{
    m_errors << message;
    append(QString(), QStringLiteral("ERROR"), message);
}

QString RunLogPane::text() const
{
    return m_view->toPlainText();
}

} // namespace clipwb::ui
