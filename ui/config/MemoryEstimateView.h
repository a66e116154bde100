#pragma once
// The Configuration page's memory box: what the run needs (parameters,
// gradients, AdamW state, activations per sample, transient buffers) for the
// config as typed, against the training device's free memory, and "Find the
// largest batch size", which tries real training steps on the CUDA device in
// the background and reports the largest that ran.
#include "config/TrainConfig.h"

#include <QGroupBox>
#include <QString>

class QLabel;
class QPushButton;

namespace clipwb::train {
struct MemoryCheck;
}

namespace clipwb::ui {

class BackgroundJob;

class MemoryEstimateView : public QGroupBox {
    Q_OBJECT
public:
    explicit MemoryEstimateView(QWidget* parent = nullptr);

    /// Recomputes the estimate (arithmetic only: cheap enough for every edit).
    void setConfig(const config::TrainConfig& config);

    QString estimateText() const;
    QString searchText() const;

    /// MemoryCheck::report() in the interface's language: the same lines, each a tr() template.
    static QString reportText(const train::MemoryCheck& check);

Q_SIGNALS:
    /// The search ended: the largest batch size that ran (0: none), or an error.
    void searchFinished(qint64 largest, const QString& error);

private:
    void findLargestBatch();

    config::TrainConfig m_config;
    QLabel* m_estimate = nullptr;
    QLabel* m_search = nullptr;
    QPushButton* m_find = nullptr;
    BackgroundJob* m_job = nullptr;
};

} // namespace clipwb::ui
