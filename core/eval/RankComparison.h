#pragma once
// How a result list moved between two rankings of the same candidates (A: the
// baseline checkpoint, B: the compared one), for the A/B retrieval view.
#include <cstdint>
#include <vector>

namespace clipwb::eval {

struct RankChange {
    enum class Kind {
        Same,    ///< same rank in both
        Up,      ///< better rank than in the other ranking
        Down,    ///< worse rank
        New,     ///< in the top k here, outside the other ranking's top k
        Dropped, ///< baseline side: in its top k, outside the compared ranking's top k
    };
    std::int64_t id = 0;
    int rank = 0;      ///< 1-based rank in this ranking
    int otherRank = 0; ///< 1-based rank in the other ranking, 0 when it does not rank the id
    Kind kind = Kind::Same;
    /// Compared side: > 0 moved up by that many places since the baseline, < 0 down.
    int moved() const { return otherRank > 0 ? otherRank - rank : 0; }
};

/// The top k of `compared`, each with its rank in `baseline` (Same/Up/Down/New).
/// Both are full rankings (ids best first); only their first k entries are shown.
std::vector<RankChange> compareRanks(const std::vector<std::int64_t>& baseline,
                                     const std::vector<std::int64_t>& compared, int k);
/// The top k of `baseline` with their rank in `compared`: Dropped when that is outside
/// its top k, else Same (kept in the top k).
std::vector<RankChange> baselineRanks(const std::vector<std::int64_t>& baseline,
                                      const std::vector<std::int64_t>& compared, int k);

} // namespace clipwb::eval
