#pragma once
// `clipwb --screenshot FILE`: brings the window into a state worth a picture,
// then saves it and quits. Each scene waits for what it shows (the demo project
// ready, a retrieval query answered) rather than for a fixed time, so that the
// README's pictures are the same on a fast and on a slow machine.
#include <QObject>
#include <QString>

class QWidget;

namespace clipwb::ui {

class DemoProject;
class MainWindow;
class RetrievalCompareView;
class RetrievalPage;
class ZeroShotPage;

class ScreenshotScript : public QObject {
    Q_OBJECT
public:
    /// delayMs: time to let the window settle before the picture; < 0 for each scene's own.
    ScreenshotScript(MainWindow* window, QString file, int delayMs);

    /// The window as it is, once it settled.
    void takeWhenSettled();
    /// Once the demo project is ready (or failed: its message is in the picture).
    void takeWhenReady(DemoProject* demo);
    /// Once the page extracted its features, answered a split text and listed its first image's texts.
    void takeAfterQuery(RetrievalPage* page);
    /// Once the A/B view answered the first split text whose ground truth B ranks higher than A
    /// (within the top 5), and the texts of B's best image.
    void takeAfterComparison(RetrievalCompareView* view);

    /// Once the Zero-shot page finished (or failed: its message is in the picture), showing the
    /// result tab `tab` (0 accuracy, 1 confusion matrix, 2 misclassified images).
    void takeAfterZeroShot(ZeroShotPage* page, int tab);
    /// The dialog (the model manager) instead of the window, once it settled.
    void takeOfDialog(QWidget* dialog);

private:
    void takeLater(int defaultDelayMs);

    MainWindow* m_window;
    QWidget* m_target; ///< what the picture shows: the window, or a dialog
    QString m_file;
    int m_delayMs;
    bool m_taken = false;
};

} // namespace clipwb::ui
