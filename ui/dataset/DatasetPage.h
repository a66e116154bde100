#pragma once
// The Dataset page: browse an LMDB split in upstream Chinese-CLIP's format.
// A thumbnail grid and a table over the same lazy model, search (in a worker
// thread, shown as a filter), a detail pane per pair with its token view,
// statistics, the `dataset check` report, and a Build-LMDB dialog. A split that
// cannot be read shows as a message in the page, never as a crash.
#include <QStringList>
#include <QWidget>

#include <memory>

#include "data/DatasetStatistics.h"
#include "data/PairSearch.h"
#include "ui/common/BackgroundJob.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QTabWidget;
class QTableView;
class QTimer;
class QToolButton;

namespace clipwb::data {
class LmdbSplit;
}
namespace clipwb::text {
class Tokenizer;
}

namespace clipwb::ui {

class DatasetCheckView;
class DatasetStatsView;
class PairDetailPane;
class PairListModel;
class PairTableModel;
class ThumbnailCache;
class ThumbnailDelegate;

class DatasetPage : public QWidget {
    Q_OBJECT
public:
    explicit DatasetPage(QWidget* parent = nullptr);
    ~DatasetPage() override;

    /// Opens an LMDB split folder (with imgs/ and pairs/), or the first split (train if any) of a
    /// folder holding splits directly or under lmdb/ (a demo dataset). False, with the reason shown
    /// in the page, when it cannot be opened.
    bool openPath(const QString& path);
    /// Splits next to the open one, and the configuration's train_data / val_data.
    QStringList availableSplits() const;
    QString currentSplitPath() const { return m_currentPath; }
    std::shared_ptr<const data::LmdbSplit> split() const { return m_split; }
    /// The message shown in the page's error banner (empty when none).
    QString errorMessage() const;

    /// Follows the configuration: offers train_data and val_data in the split switcher and opens
    /// train_data whenever it changes (a split picked by hand stays open otherwise). Paths that are
    /// not splits are ignored.
    void setConfigData(const QString& trainData, const QString& valData);
    void setContextLength(int contextLength);

    /// Searches now (without the typing delay); searchFinished follows.
    void search(data::PairSearchField field, const QString& value);
    void clearSearch();
    /// Selects pairIndex in the grid and the table and shows it in the detail pane; drops a filter
    /// that hides it. False when the split has no such pair.
    bool jumpToPair(int64_t pairIndex);

    PairListModel* pairModel() const { return m_pairs; }
    ThumbnailCache* thumbnails() const { return m_thumbnails; }
    QListView* gridView() const { return m_grid; }
    QTableView* tableView() const { return m_table; }
    PairDetailPane* detailPane() const { return m_detail; }
    DatasetStatsView* statsView() const { return m_statsView; }
    DatasetCheckView* checkView() const { return m_checkView; }
    /// Opens the Build-LMDB dialog (raw tsv + jsonl to LMDB); the built splits open when it ends.
    void showBuildLmdbDialog();
    std::shared_ptr<const data::DatasetStatistics> statistics() const { return m_statistics; }
    QTabWidget* tabs() const { return m_tabs; }

Q_SIGNALS:
    void splitOpened(const QString& path);
    void statisticsReady();
    void searchFinished(int matches);

private:
    void buildToolbar();
    bool openSplit(const QString& splitDir);
    void refreshSplitSwitcher(const QStringList& siblings);
    void showError(const QString& message);
    void clearError();
    void startStatistics();
    void onStatisticsDone(const data::DatasetStatistics& statistics);
    void startSearch();
    void onSearchDone(data::PairSearchResult result);
    void onCurrentRowChanged(int row);
    void updateVisibleThumbnails();
    void updateInfo();
    void chooseFolder();
    std::shared_ptr<const text::Tokenizer> tokenizer();

    std::shared_ptr<const data::LmdbSplit> m_split;
    std::shared_ptr<const text::Tokenizer> m_tokenizer;
    std::shared_ptr<const data::DatasetStatistics> m_statistics;
    QString m_currentPath;
    QString m_configTrain;
    QString m_configVal;
    QStringList m_siblingSplits;

    ThumbnailCache* m_thumbnails;
    PairListModel* m_pairs;
    PairTableModel* m_tableModel;
    ThumbnailDelegate* m_delegate;

    QLabel* m_errorBanner;
    QLabel* m_info;
    QComboBox* m_splitBox;
    QLineEdit* m_searchEdit;
    QComboBox* m_searchField;
    QLabel* m_searchStatus;
    QTimer* m_searchDelay;
    QTimer* m_visibleDelay;
    QTabWidget* m_tabs;
    QListView* m_grid;
    QTableView* m_table;
    PairDetailPane* m_detail;
    DatasetStatsView* m_statsView;
    DatasetCheckView* m_checkView;
    bool m_syncingSelection = false;

    BackgroundJob* m_statisticsJob;
    BackgroundJob* m_searchJob;
    QString m_searchError;
};

} // namespace clipwb::ui
