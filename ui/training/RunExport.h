#pragma once
// Exports of the dashboard: the charts as a PNG image or a one-page PDF, and
// every metric record of a run as one CSV table.
#include <QString>

class QWidget;

namespace clipwb::ui {

class RunData;

/// The widget as drawn now, as a PNG image.
bool exportWidgetPng(QWidget* widget, const QString& path);
/// The widget as a PDF page of its size (vector graphics where the widget draws them).
bool exportWidgetPdf(QWidget* widget, const QString& path, const QString& title);
/// A "type" column (train, val, eval), then the union of every record's keys; written atomically.
bool exportRunCsv(const RunData& run, const QString& path, QString* error = nullptr);

} // namespace clipwb::ui
