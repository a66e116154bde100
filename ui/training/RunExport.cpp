#include "ui/training/RunExport.h"

#include "ui/training/RunData.h"

#include <QCoreApplication>
#include <QPainter>
#include <QPdfWriter>
#include <QPixmap>
#include <QSaveFile>
#include <QWidget>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace clipwb::ui {

bool exportWidgetPng(QWidget* widget, const QString& path)
{
    return widget->grab().save(path, "PNG");
}

bool exportWidgetPdf(QWidget* widget, const QString& path, const QString& title)
{
    QPdfWriter writer(path);
    writer.setCreator(QStringLiteral("clipwb"));
    writer.setTitle(title);
    writer.setPageSize(QPageSize(QSizeF(widget->width(), widget->height()), QPageSize::Point));
    writer.setPageMargins(QMarginsF(0, 0, 0, 0));
    writer.setResolution(72);
    QPainter painter;
    if (!painter.begin(&writer))
        return false;
    widget->render(&painter);
    return painter.end();
}

bool exportRunCsv(const RunData& run, const QString& path, QString* error)
{
    using Table = RunData::Table;
    std::vector<std::string> columns;
    const Table tables[] = {Table::Train, Table::Validation, Table::Evaluation};
    const char* typeNames[] = {"train", "val", "eval"};
    for (Table t : tables)
        for (const std::string& name : run.table(t).names())
            if (std::find(columns.begin(), columns.end(), name) == columns.end())
                columns.push_back(name);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error)
            *error =
                QCoreApplication::translate("RunExport", "Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    std::string text = "type";
    for (const std::string& name : columns)
        (text += ',') += name;
    text += '\n';
    char number[40];
    for (int t = 0; t < 3; ++t) {
        const auto& table = run.table(tables[t]);
        std::vector<const std::vector<double>*> sources;
        for (const std::string& name : columns)
            sources.push_back(table.column(name));
        for (size_t row = 0; row < table.rows(); ++row) {
            text += typeNames[t];
            for (const auto* source : sources) {
                text += ',';
                if (source && std::isfinite((*source)[row])) {
                    std::snprintf(number, sizeof number, "%.10g", (*source)[row]);
                    text += number;
                }
            }
            text += '\n';
        }
        if (text.size() > (8u << 20)) {
            file.write(text.data(), static_cast<qint64>(text.size()));
            text.clear();
        }
    }
    file.write(text.data(), static_cast<qint64>(text.size()));
    if (!file.commit()) {
        if (error)
            *error =
                QCoreApplication::translate("RunExport", "Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace clipwb::ui
