#pragma once
// Exact top-k by inner product between two sets of feature rows (queries A,
// candidates B), both directions from one pass: the score matrix A·Bᵀ is
// computed block by block (a matrix product per block, bounded memory) and
// every block is merged into running per-row and per-column top-k lists.
// Ties break towards the lower index, which is what upstream's stable
// sorted(..., reverse=True) gives. Torch-free header.
#include <cstdint>
#include <vector>

namespace clipwb::eval {

/// k best candidates per query, best first; index -1 (score -inf) pads lists
/// when there are fewer than k candidates.
struct TopKLists {
    std::int64_t k = 0;
    std::int64_t queries = 0;
    std::vector<std::int64_t> indices; ///< queries x k
    std::vector<float> scores;         ///< queries x k

    std::int64_t count(std::int64_t query) const; ///< filled entries of a list
    const std::int64_t* indicesOf(std::int64_t query) const { return indices.data() + query * k; }
    const float* scoresOf(std::int64_t query) const { return scores.data() + query * k; }
    /// The filled entries of a list as ids: ids[index] for each, best first.
    std::vector<std::int64_t> idsOf(std::int64_t query, const std::vector<std::int64_t>& ids) const;
};

struct BlockedTopKOptions {
    std::int64_t k = 10;
    bool rowsToColumns = true;       ///< for every row of A, its best rows of B
    bool columnsToRows = true;       ///< for every row of B, its best rows of A
    std::int64_t rowBlock = 2048;    ///< rows of A per block (memory: rowBlock x columnBlock floats)
    std::int64_t columnBlock = 4096; ///< rows of B per block
    bool useOneDnn = true;           ///< oneDNN matrix products when LibTorch has them (faster on CPUs)
};

struct BlockedTopKResult {
    TopKLists rowsToColumns; ///< per row of A (e.g. text -> images)
    TopKLists columnsToRows; ///< per row of B (e.g. image -> texts)
};

/// a: rowsA x dim, b: rowsB x dim, row-major float32. Throws clipwb::Error on bad sizes.
BlockedTopKResult blockedTopK(const float* a, std::int64_t rowsA, const float* b, std::int64_t rowsB,
                              std::int64_t dim, const BlockedTopKOptions& options);

} // namespace clipwb::eval
