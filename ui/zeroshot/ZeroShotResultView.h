#pragma once
// The results of a zero-shot run, one checkpoint or two side by side (A and B):
// top-1 and top-5 per model, per-class accuracy with B − A, the confusion
// matrix of either model, and the misclassified images with each model's top-5
// labels and scores (filtered: all, fixed by B, broken by B).
#include <QStringList>
#include <QTabWidget>

#include <memory>

class QComboBox;
class QLabel;
class QListWidget;
class QTableWidget;

namespace clipwb::ui {

struct ZeroShotRunResult;

class ZeroShotResultView : public QTabWidget {
    Q_OBJECT
public:
    explicit ZeroShotResultView(QWidget* parent = nullptr);

    /// Shows result; classNames name its classes, modelNames its models ("A: file", "B: file").
    void showResult(std::shared_ptr<const ZeroShotRunResult> result, const QStringList& classNames,
                    const QStringList& modelNames);
    void clear();

    enum class MistakeFilter { Any, FixedByB, BrokenByB };
    void setMistakeFilter(MistakeFilter filter);

    QLabel* summaryLabel() const { return m_summary; }
    QTableWidget* perClassTable() const { return m_perClass; }
    QTableWidget* confusionTable() const { return m_confusion; }
    QComboBox* confusionModelBox() const { return m_confusionModel; }
    QListWidget* misclassifiedList() const { return m_misclassified; }

private:
    void showSummary();
    void showPerClass();
    void showConfusion();
    void showMistakes();

    QLabel* m_summary = nullptr;
    QTableWidget* m_perClass = nullptr;
    QComboBox* m_confusionModel = nullptr;
    QTableWidget* m_confusion = nullptr;
    QComboBox* m_mistakeFilter = nullptr;
    QListWidget* m_misclassified = nullptr;
    std::shared_ptr<const ZeroShotRunResult> m_result;
    QStringList m_classNames;
    QStringList m_modelNames;
};

} // namespace clipwb::ui
