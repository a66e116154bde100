#include "eval/RankComparison.h"

#include <algorithm>
#include <unordered_map>

namespace clipwb::eval {
namespace {

std::unordered_map<std::int64_t, int> rankOf(const std::vector<std::int64_t>& ranking)
{
    std::unordered_map<std::int64_t, int> ranks;
    ranks.reserve(ranking.size());
    for (std::size_t i = 0; i < ranking.size(); ++i)
        ranks.emplace(ranking[i], int(i) + 1); // an id listed twice keeps its best rank
    return ranks;
}

} // namespace

std::vector<RankChange> compareRanks(const std::vector<std::int64_t>& baseline,
                                     const std::vector<std::int64_t>& compared, int k)
{
    const auto before = rankOf(baseline);
    std::vector<RankChange> changes;
    const int shown = std::min<int>(k, int(compared.size()));
    for (int i = 0; i < shown; ++i) {
        RankChange change;
        change.id = compared[std::size_t(i)];
        change.rank = i + 1;
        const auto it = before.find(change.id);
        change.otherRank = it == before.end() ? 0 : it->second;
        if (change.otherRank == 0 || change.otherRank > k)
            change.kind = RankChange::Kind::New;
        else if (change.otherRank > change.rank)
            change.kind = RankChange::Kind::Up;
        else if (change.otherRank < change.rank)
            change.kind = RankChange::Kind::Down;
        changes.push_back(change);
    }
    return changes;
}

std::vector<RankChange> baselineRanks(const std::vector<std::int64_t>& baseline,
                                      const std::vector<std::int64_t>& compared, int k)
{
    const auto after = rankOf(compared);
    std::vector<RankChange> changes;
    const int shown = std::min<int>(k, int(baseline.size()));
    for (int i = 0; i < shown; ++i) {
        RankChange change;
        change.id = baseline[std::size_t(i)];
        change.rank = i + 1;
        const auto it = after.find(change.id);
        change.otherRank = it == after.end() ? 0 : it->second;
        if (change.otherRank == 0 || change.otherRank > k)
            change.kind = RankChange::Kind::Dropped;
        changes.push_back(change);
    }
    return changes;
}

} // namespace clipwb::eval
