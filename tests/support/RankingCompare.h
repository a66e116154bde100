#pragma once
// The rule for comparing a ranking computed by clipwb (top-k lists,
// prediction files, best-first query results) with a reference computed by
// other code (upstream's PyTorch/numpy, another BLAS kernel, another CPU):
//
//   The lists must have the same length and, rank by rank, hold the same item,
//   or two items whose scores differ by at most
//       rtol x (the largest |score| in the two lists),  rtol = 1e-6 by default,
//   with every score recomputed in float64 from the reference's inputs
//   (e.g. the dot product of the float32 features). Anything else fails, and
//   the failure prints both lists with their scores.
//
// Why: two float32 scores a few units in the last place apart (0.16307867 vs
// 0.16307864) come out in either order depending on the summation order of
// the BLAS kernel, which depends on the CPU. float32 rounding of a 32..512-term
// dot product of unit vectors is ~1e-7 of the scale, so 1e-6 covers it with
// room and still catches any real ordering bug (wrong tie rule, lost
// candidate, wrong merge), which moves items whose scores differ far more.
// Where the two sides rank inputs that themselves differ (features computed
// by two implementations, equal to a stated tolerance), the test passes that
// tolerance as rtol and says so.
//
// Exact comparison stays where the reference came from the same arithmetic
// on the same inputs (our own code run twice, a resume against the
// uninterrupted run), or where requireNoNearTies() first proves that no two
// candidates that matter lie within the tolerance (then no machine can order
// them differently and byte-for-byte comparison is safe).
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace clipwb::test {

constexpr double kRankingRelativeTolerance = 1e-6;

/// Score of an item for a given query, in float64.
using ItemScore = std::function<double(std::int64_t item)>;

struct RankingComparison {
    bool equal = true;      ///< identical or differing only by tolerated swaps
    int toleratedSwaps = 0; ///< ranks where the items differ but tie within the tolerance
    std::string message;    ///< both lists with scores, when !equal or toleratedSwaps > 0
};

inline std::string formatRankings(const std::vector<std::int64_t>& actual,
                                  const std::vector<std::int64_t>& reference, const ItemScore& score,
                                  double tolerance)
{
    char line[200];
    std::snprintf(line, sizeof line, "rank: actual (score) | reference (score)   [tolerance %.3g]\n",
                  tolerance);
    std::string text = line;
    const std::size_t n = std::max(actual.size(), reference.size());
    for (std::size_t i = 0; i < n; ++i) {
        const bool hasA = i < actual.size(), hasR = i < reference.size();
        const double sa = hasA ? score(actual[i]) : std::nan("");
        const double sr = hasR ? score(reference[i]) : std::nan("");
        const char* mark = hasA && hasR && actual[i] == reference[i] ? " " : "*";
        std::snprintf(line, sizeof line, "%s %3zu: %12lld (%.9g) | %12lld (%.9g)\n", mark, i + 1,
                      hasA ? static_cast<long long>(actual[i]) : -1LL, sa,
                      hasR ? static_cast<long long>(reference[i]) : -1LL, sr);
        text += line;
    }
    return text;
}

/// Compares one ranking with its reference under the rule above.
inline RankingComparison compareRanking(const std::vector<std::int64_t>& actual,
                                        const std::vector<std::int64_t>& reference, const ItemScore& score,
                                        double rtol = kRankingRelativeTolerance)
{
    RankingComparison result;
    double scale = 0;
    for (const auto* list : {&actual, &reference})
        for (const std::int64_t item : *list)
            scale = std::max(scale, std::abs(score(item)));
    const double tolerance = rtol * scale;
    std::string why;
    if (actual.size() != reference.size())
        why = "the lists differ in length (" + std::to_string(actual.size()) + " vs " +
              std::to_string(reference.size()) + ")";
    for (std::size_t i = 0; why.empty() && i < actual.size(); ++i) {
        if (actual[i] == reference[i])
            continue;
        const double gap = std::abs(score(actual[i]) - score(reference[i]));
        if (!(gap <= tolerance)) {
            char apart[64];
            std::snprintf(apart, sizeof apart, "%.3g", gap);
            why = "rank " + std::to_string(i + 1) + " holds " + std::to_string(actual[i]) + " instead of " +
                  std::to_string(reference[i]) + ", scores apart by " + apart + " (more than the tolerance)";
            break;
        }
        ++result.toleratedSwaps;
    }
    // A list that repeats an item is never a ranking, whatever the scores say.
    std::vector<std::int64_t> sorted = actual;
    std::sort(sorted.begin(), sorted.end());
    if (why.empty() && std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        why = "the actual list repeats an item";
    result.equal = why.empty();
    if (!result.equal || result.toleratedSwaps > 0)
        result.message = (why.empty() ? std::string("near-tied items swapped (tolerated)") : why) + "\n" +
                         formatRankings(actual, reference, score, tolerance);
    return result;
}

/// Rankings keyed by query id (a prediction file, or every list of a top-k result).
using Rankings = std::map<std::int64_t, std::vector<std::int64_t>>;

/// Reads an upstream prediction file ({"text_id": 1, "image_ids": [...]} or {"image_id": 1,
/// "text_ids": [...]} per line) into rankings; an unreadable line is a QTest failure.
inline Rankings readPredictionRankings(const QString& path)
{
    Rankings rankings;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        QTest::qFail(qPrintable(QStringLiteral("cannot open ") + path), __FILE__, __LINE__);
        return rankings;
    }
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (line.isEmpty())
            continue;
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        const bool textQuery = object.contains(QLatin1String("text_id"));
        const QJsonValue query =
            object.value(textQuery ? QLatin1String("text_id") : QLatin1String("image_id"));
        const QJsonArray items =
            object.value(textQuery ? QLatin1String("image_ids") : QLatin1String("text_ids")).toArray();
        if (!query.isDouble()) {
            QTest::qFail(
                qPrintable(path + QStringLiteral(": not a prediction line: ") + QString::fromUtf8(line)),
                __FILE__, __LINE__);
            return {};
        }
        auto& list = rankings[query.toInteger()];
        for (const QJsonValue& item : items)
            list.push_back(item.toInteger());
    }
    return rankings;
}

/// Query -> items turned around (text -> gold images into image -> gold texts), items in query order.
inline Rankings invertRankings(const Rankings& rankings)
{
    Rankings inverted;
    for (const auto& [query, items] : rankings)
        for (const std::int64_t item : items)
            inverted[item].push_back(query);
    return inverted;
}

/// Compares every query's ranking; fails the current test (QVERIFY2) with both lists on the
/// first query that breaks the rule. Returns the number of tolerated swaps (for qInfo).
inline int verifyRankings(const Rankings& actual, const Rankings& reference,
                          const std::function<double(std::int64_t query, std::int64_t item)>& score,
                          double rtol, const char* what, const char* file, int line)
{
    int swaps = 0;
    if (actual.size() != reference.size()) {
        QTest::qFail((std::string(what) + ": " + std::to_string(actual.size()) + " queries vs " +
                      std::to_string(reference.size()) + " in the reference")
                         .c_str(),
                     file, line);
        return -1;
    }
    for (const auto& [query, list] : reference) {
        const auto found = actual.find(query);
        if (found == actual.end()) {
            QTest::qFail((std::string(what) + ": query " + std::to_string(query) + " is missing").c_str(),
                         file, line);
            return -1;
        }
        const RankingComparison c = compareRanking(
            found->second, list, [&, q = query](std::int64_t item) { return score(q, item); }, rtol);
        if (!c.equal) {
            QTest::qFail((std::string(what) + ": query " + std::to_string(query) + ": " + c.message).c_str(),
                         file, line);
            return -1;
        }
        if (c.toleratedSwaps) {
            swaps += c.toleratedSwaps;
            qInfo("%s: query %lld: %s", what, static_cast<long long>(query), c.message.c_str());
        }
    }
    return swaps;
}

/// Float64 inner products between two feature tables (ids + row-major float32 values), the
/// scores that retrieval ranks by, recomputed independently of any BLAS.
class DotScores {
public:
    DotScores(const std::vector<std::int64_t>& queryIds, const std::vector<float>& queryValues,
              const std::vector<std::int64_t>& itemIds, const std::vector<float>& itemValues,
              std::int64_t dim)
        : m_queryValues(queryValues), m_itemValues(itemValues), m_dim(dim)
    {
        for (std::size_t r = 0; r < queryIds.size(); ++r)
            m_queryRow[queryIds[r]] = static_cast<std::int64_t>(r);
        for (std::size_t r = 0; r < itemIds.size(); ++r)
            m_itemRow[itemIds[r]] = static_cast<std::int64_t>(r);
    }

    double operator()(std::int64_t queryId, std::int64_t itemId) const
    {
        const auto q = m_queryRow.find(queryId);
        const auto i = m_itemRow.find(itemId);
        if (q == m_queryRow.end() || i == m_itemRow.end())
            return std::numeric_limits<double>::quiet_NaN(); // unknown id: never within tolerance
        double sum = 0;
        for (std::int64_t d = 0; d < m_dim; ++d)
            sum += static_cast<double>(m_queryValues[static_cast<std::size_t>(q->second * m_dim + d)]) *
                   static_cast<double>(m_itemValues[static_cast<std::size_t>(i->second * m_dim + d)]);
        return sum;
    }

    std::vector<std::int64_t> queryIds() const
    {
        std::vector<std::int64_t> ids;
        for (const auto& [id, row] : m_queryRow)
            ids.push_back(id);
        return ids;
    }
    std::vector<std::int64_t> itemIds() const
    {
        std::vector<std::int64_t> ids;
        for (const auto& [id, row] : m_itemRow)
            ids.push_back(id);
        return ids;
    }

    /// The same scores with queries and items exchanged (image->text from text->image).
    DotScores transposed() const
    {
        DotScores t = *this;
        std::swap(t.m_queryValues, t.m_itemValues);
        std::swap(t.m_queryRow, t.m_itemRow);
        return t;
    }

private:
    std::vector<float> m_queryValues, m_itemValues;
    std::int64_t m_dim;
    std::map<std::int64_t, std::int64_t> m_queryRow, m_itemRow;
};

/// Text-to-image DotScores of two upstream feature files ({"image_id"|"text_id": id, "feature":
/// [...]} per line, read as Python then numpy read them: double, then float32).
inline DotScores readFeatureScores(const QString& textFeatures, const QString& imageFeatures)
{
    auto read = [](const QString& path, QLatin1String key, std::vector<std::int64_t>& ids,
                   std::vector<float>& values) {
        std::int64_t dim = 0;
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            QTest::qFail(qPrintable(QStringLiteral("cannot open ") + path), __FILE__, __LINE__);
        while (!file.atEnd()) {
            const QByteArray line = file.readLine().trimmed();
            if (line.isEmpty())
                continue;
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            ids.push_back(object.value(key).toInteger());
            const QJsonArray feature = object.value(QLatin1String("feature")).toArray();
            dim = feature.size();
            for (const QJsonValue& v : feature)
                values.push_back(static_cast<float>(v.toDouble()));
        }
        return dim;
    };
    std::vector<std::int64_t> textIds, imageIds;
    std::vector<float> textValues, imageValues;
    const std::int64_t dim = read(textFeatures, QLatin1String("text_id"), textIds, textValues);
    read(imageFeatures, QLatin1String("image_id"), imageIds, imageValues);
    return DotScores(textIds, textValues, imageIds, imageValues, dim);
}

/// The smallest gap, relative to the query's best score, between two consecutive candidates among
/// the k+1 best of any query (float64). Above the tolerance no machine can order the first k
/// differently, nor change which candidates make the top k.
/// (relative = false: the absolute gap.)
inline double minimumRelativeGap(const DotScores& scores, std::int64_t k, std::string* where = nullptr,
                                 bool relative = true)
{
    double worst = std::numeric_limits<double>::infinity();
    const std::vector<std::int64_t> items = scores.itemIds();
    for (const std::int64_t query : scores.queryIds()) {
        std::vector<double> s;
        for (const std::int64_t item : items)
            s.push_back(scores(query, item));
        std::sort(s.begin(), s.end(), std::greater<>());
        const std::size_t n = std::min<std::size_t>(s.size(), static_cast<std::size_t>(k + 1));
        for (std::size_t i = 1; i < n; ++i) {
            const double gap =
                (s[i - 1] - s[i]) / (relative ? std::max(std::abs(s[0]), std::abs(s[n - 1])) : 1.0);
            if (gap < worst) {
                worst = gap;
                if (where)
                    *where = "query " + std::to_string(query) + " ranks " + std::to_string(i) + " and " +
                             std::to_string(i + 1) + ": " + std::to_string(s[i - 1]) + " vs " +
                             std::to_string(s[i]);
            }
        }
    }
    return worst;
}

/// Recall@k (upstream's evaluation: a query is a hit when one of its gold items is in its top k)
/// computed by two implementations can differ only when, for some query, the best gold item's
/// score lies within the tolerance of the k-th best non-gold item's score. Returns the smallest
/// such absolute margin over queries and ks (float64 scores); above the largest score shift
/// between the two sides, recall compares exactly on every machine.
inline double recallMargin(const DotScores& scores, const Rankings& gold, const std::vector<std::int64_t>& ks,
                           std::string* where = nullptr)
{
    double worst = std::numeric_limits<double>::infinity();
    const std::vector<std::int64_t> items = scores.itemIds();
    for (const auto& [query, goldItems] : gold) {
        double bestGold = -std::numeric_limits<double>::infinity();
        std::vector<double> others;
        for (const std::int64_t item : items) {
            const double s = scores(query, item);
            if (std::find(goldItems.begin(), goldItems.end(), item) != goldItems.end())
                bestGold = std::max(bestGold, s);
            else
                others.push_back(s);
        }
        if (bestGold == -std::numeric_limits<double>::infinity())
            continue;
        std::sort(others.begin(), others.end(), std::greater<>());
        for (const std::int64_t k : ks) {
            if (k < 1 || static_cast<std::size_t>(k) > others.size())
                continue;
            const double margin = std::abs(bestGold - others[static_cast<std::size_t>(k - 1)]);
            if (margin < worst) {
                worst = margin;
                if (where)
                    *where = "query " + std::to_string(query) + " at k=" + std::to_string(k) + ": gold " +
                             std::to_string(bestGold) + " vs " +
                             std::to_string(others[static_cast<std::size_t>(k - 1)]);
            }
        }
    }
    return worst;
}

} // namespace clipwb::test

/// Fails with both lists and their scores when `actual` breaks the ranking rule against `reference`.
#define CLIPWB_COMPARE_RANKINGS(actual, reference, score, rtol, what)                                        \
    do {                                                                                                     \
        if (clipwb::test::verifyRankings((actual), (reference), (score), (rtol), (what), __FILE__,           \
                                         __LINE__) < 0)                                                      \
            return;                                                                                          \
    } while (false)

/// Proves that exact (byte-for-byte) comparison of the first k is safe: no near tie among them.
#define CLIPWB_REQUIRE_NO_NEAR_TIES(scores, k, rtol)                                                         \
    do {                                                                                                     \
        std::string clipwbWhere_;                                                                            \
        const double clipwbGap_ = clipwb::test::minimumRelativeGap((scores), (k), &clipwbWhere_);            \
        QVERIFY2(clipwbGap_ > (rtol), ("a near tie makes an exact comparison machine-dependent: " +          \
                                       clipwbWhere_ + "; compare with CLIPWB_COMPARE_RANKINGS instead")      \
                                          .c_str());                                                         \
    } while (false)

/// Proves that recall@1/5/10 compares exactly with a reference whose scores may differ from ours
/// by up to `shift` (absolute): no query's hit can change under such a shift.
#define CLIPWB_REQUIRE_STABLE_RECALL(scores, gold, shift)                                                    \
    do {                                                                                                     \
        std::string clipwbWhere_;                                                                            \
        const double clipwbMargin_ =                                                                         \
            clipwb::test::recallMargin((scores), (gold), {1, 5, 10}, &clipwbWhere_);                         \
        QVERIFY2(clipwbMargin_ > (shift),                                                                    \
                 ("recall at a near tie is machine-dependent: " + clipwbWhere_ + ", margin " +               \
                  std::to_string(clipwbMargin_) + " <= score shift " + std::to_string(shift))                \
                     .c_str());                                                                              \
    } while (false)
