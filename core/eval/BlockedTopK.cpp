#include "eval/BlockedTopK.h"

#include "common/Error.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <limits>

namespace clipwb::eval {
namespace {

constexpr std::int64_t kEmpty = std::numeric_limits<std::int64_t>::max();

/// True when (score, index) ranks before (otherScore, otherIndex).
inline bool ranksBefore(float score, std::int64_t index, float otherScore, std::int64_t otherIndex)
{
    return score > otherScore || (score == otherScore && index < otherIndex);
}

/// Inserts into a best-first list of k entries when the candidate beats the last.
inline void offer(float* scores, std::int64_t* indices, std::int64_t k, float score, std::int64_t index)
{
    if (!ranksBefore(score, index, scores[k - 1], indices[k - 1]))
        return;
    std::int64_t position = k - 1;
    while (position > 0 && ranksBefore(score, index, scores[position - 1], indices[position - 1])) {
        scores[position] = scores[position - 1];
        indices[position] = indices[position - 1];
        --position;
    }
    scores[position] = score;
    indices[position] = index;
}

TopKLists emptyLists(std::int64_t queries, std::int64_t k)
{
    TopKLists lists;
    lists.k = k;
    lists.queries = queries;
    lists.indices.assign(static_cast<std::size_t>(queries * k), kEmpty);
    lists.scores.assign(static_cast<std::size_t>(queries * k), -std::numeric_limits<float>::infinity());
    return lists;
}

void finish(TopKLists& lists)
{
    for (auto& index : lists.indices)
        if (index == kEmpty)
            index = -1;
}

} // namespace

std::int64_t TopKLists::count(std::int64_t query) const
{
    const std::int64_t* list = indicesOf(query);
    return std::find(list, list + k, -1) - list;
}

std::vector<std::int64_t> TopKLists::idsOf(std::int64_t query, const std::vector<std::int64_t>& ids) const
{
    std::vector<std::int64_t> out;
    const std::int64_t* found = indicesOf(query);
    for (std::int64_t r = 0; r < count(query); ++r)
        out.push_back(ids[static_cast<std::size_t>(found[r])]);
    return out;
}

BlockedTopKResult blockedTopK(const float* a, std::int64_t rowsA, const float* b, std::int64_t rowsB,
                              std::int64_t dim, const BlockedTopKOptions& options)
{
    CLIPWB_CHECK(options.k > 0, "top-k: k must be positive, got ", options.k);
    CLIPWB_CHECK(rowsA >= 0 && rowsB >= 0 && dim > 0, "top-k: bad sizes ", rowsA, "x", dim, " and ", rowsB,
                 "x", dim);
    CLIPWB_CHECK(options.rowBlock > 0 && options.columnBlock > 0, "top-k: block sizes must be positive");
    const std::int64_t k = options.k;
    BlockedTopKResult result;
    if (options.rowsToColumns)
        result.rowsToColumns = emptyLists(rowsA, k);
    if (options.columnsToRows)
        result.columnsToRows = emptyLists(rowsB, k);

    torch::NoGradGuard noGrad;
    const auto floatOptions = torch::TensorOptions().dtype(torch::kFloat32);
    const torch::Tensor matrixA = torch::from_blob(const_cast<float*>(a), {rowsA, dim}, floatOptions);
    const torch::Tensor matrixB = torch::from_blob(const_cast<float*>(b), {rowsB, dim}, floatOptions);
    // oneDNN's matrix product is several times faster than the generic BLAS
    // path of Debian's LibTorch on the CPU; the plain product is the fallback.
    const bool oneDnn = options.useOneDnn && at::hasMKLDNN();
    torch::Tensor scores = torch::empty({std::min(options.rowBlock, std::max<std::int64_t>(rowsA, 1)),
                                         std::min(options.columnBlock, std::max<std::int64_t>(rowsB, 1))},
                                        floatOptions);

    for (std::int64_t a0 = 0; a0 < rowsA; a0 += options.rowBlock) {
        const std::int64_t blockRows = std::min(options.rowBlock, rowsA - a0);
        const torch::Tensor blockA = matrixA.narrow(0, a0, blockRows);
        const torch::Tensor blockAOneDnn = oneDnn ? blockA.to_mkldnn() : torch::Tensor();
        for (std::int64_t b0 = 0; b0 < rowsB; b0 += options.columnBlock) {
            const std::int64_t blockColumns = std::min(options.columnBlock, rowsB - b0);
            torch::Tensor block;
            if (oneDnn) {
                block = at::mkldnn_linear(blockAOneDnn, matrixB.narrow(0, b0, blockColumns).to_mkldnn(), {})
                            .to_dense()
                            .contiguous();
            } else {
                block = scores.narrow(0, 0, blockRows).narrow(1, 0, blockColumns);
                if (blockColumns != scores.size(1))
                    block = torch::empty({blockRows, blockColumns}, floatOptions);
                torch::mm_out(block, blockA, matrixB.narrow(0, b0, blockColumns).t());
            }
            const float* blockScores = block.data_ptr<float>();
            const std::int64_t stride = block.stride(0);

            if (options.rowsToColumns) {
                TopKLists& lists = result.rowsToColumns;
                at::parallel_for(0, blockRows, 16, [&](std::int64_t begin, std::int64_t end) {
                    for (std::int64_t i = begin; i < end; ++i) {
                        float* listScores = lists.scores.data() + (a0 + i) * k;
                        std::int64_t* listIndices = lists.indices.data() + (a0 + i) * k;
                        const float* row = blockScores + i * stride;
                        float worst = listScores[k - 1];
                        for (std::int64_t j = 0; j < blockColumns; ++j) {
                            if (row[j] < worst)
                                continue;
                            offer(listScores, listIndices, k, row[j], b0 + j);
                            worst = listScores[k - 1];
                        }
                    }
                });
            }
            if (options.columnsToRows) {
                TopKLists& lists = result.columnsToRows;
                at::parallel_for(0, blockColumns, 256, [&](std::int64_t begin, std::int64_t end) {
                    // The worst kept score of every column in this slice, contiguous so
                    // that the common case (no insertion) is one vectorisable comparison.
                    std::vector<float> worst(static_cast<std::size_t>(end - begin));
                    for (std::int64_t j = begin; j < end; ++j)
                        worst[static_cast<std::size_t>(j - begin)] =
                            lists.scores[static_cast<std::size_t>((b0 + j) * k + k - 1)];
                    for (std::int64_t i = 0; i < blockRows; ++i) {
                        const float* row = blockScores + i * stride;
                        for (std::int64_t j = begin; j < end; ++j) {
                            float& threshold = worst[static_cast<std::size_t>(j - begin)];
                            if (row[j] < threshold)
                                continue;
                            float* listScores = lists.scores.data() + (b0 + j) * k;
                            offer(listScores, lists.indices.data() + (b0 + j) * k, k, row[j], a0 + i);
                            threshold = listScores[k - 1];
                        }
                    }
                });
            }
        }
    }
    if (options.rowsToColumns)
        finish(result.rowsToColumns);
    if (options.columnsToRows)
        finish(result.columnsToRows);
    return result;
}

} // namespace clipwb::eval
