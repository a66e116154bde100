#include "train/FlashOptimizerLayout.h"

#include "common/Error.h"
#include "model/FlashAttentionKeys.h"

#include <map>

namespace clipwb::train {
namespace {

/// One parameter of the flash layout: the plain indices (global, group 0 then group 1) it packs.
struct FlashEntry {
    std::vector<int64_t> plainIndices;
};

std::vector<std::vector<FlashEntry>> flashGroups(const ParameterGroups& groups)
{
    std::vector<std::vector<FlashEntry>> out;
    int64_t offset = 0;
    for (const auto* names : {&groups.noDecayNames, &groups.decayNames}) {
        std::map<std::string, int64_t> indexOf;
        for (size_t j = 0; j < names->size(); ++j)
            indexOf[(*names)[j]] = offset + static_cast<int64_t>(j);
        std::vector<FlashEntry> entries;
        for (const auto& name : *names) {
            const auto flash = model::flashAttentionName(name);
            if (!flash)
                continue; // key/value: packed into the query's Wqkv
            FlashEntry entry;
            for (const auto& plain : model::plainAttentionNames(*flash)) {
                const auto it = indexOf.find(plain);
                CLIPWB_CHECK(it != indexOf.end(), "flash-attention layout: ", *flash, " needs ", plain,
                             " in the same parameter group");
                entry.plainIndices.push_back(it->second);
            }
            entries.push_back(std::move(entry));
        }
        offset += static_cast<int64_t>(names->size());
        out.push_back(std::move(entries));
    }
    return out;
}

} // namespace

std::vector<int64_t> flashAttentionGroupSizes(const ParameterGroups& groups)
{
    std::vector<int64_t> sizes;
    for (const auto& group : flashGroups(groups))
        sizes.push_back(static_cast<int64_t>(group.size()));
    return sizes;
}

OptimizerSnapshot toFlashAttentionLayout(const OptimizerSnapshot& plain, const ParameterGroups& groups)
{
    OptimizerSnapshot flash;
    int64_t index = 0;
    for (const auto& group : flashGroups(groups)) {
        flash.groupSizes.push_back(static_cast<int64_t>(group.size()));
        for (const auto& entry : group) {
            std::vector<torch::Tensor> avg, avgSq;
            double step = 0;
            for (const int64_t i : entry.plainIndices) {
                const auto it = plain.state.find(i);
                if (it == plain.state.end())
                    break;
                avg.push_back(it->second.expAvg);
                avgSq.push_back(it->second.expAvgSq);
                step = it->second.step;
            }
            if (avg.size() == entry.plainIndices.size())
                flash.state[index] = {step, avg.size() == 1 ? avg[0] : torch::cat(avg),
                                      avgSq.size() == 1 ? avgSq[0] : torch::cat(avgSq)};
            ++index;
        }
    }
    return flash;
}

OptimizerSnapshot fromFlashAttentionLayout(const OptimizerSnapshot& snapshot, const ParameterGroups& groups,
                                           bool* converted)
{
    if (converted)
        *converted = false;
    const std::vector<int64_t> plainSizes = {static_cast<int64_t>(groups.noDecay.size()),
                                             static_cast<int64_t>(groups.decay.size())};
    const auto layout = flashGroups(groups);
    std::vector<int64_t> flashSizes;
    for (const auto& group : layout)
        flashSizes.push_back(static_cast<int64_t>(group.size()));
    if (snapshot.groupSizes == plainSizes || snapshot.groupSizes != flashSizes)
        return snapshot;
    OptimizerSnapshot plain;
    plain.groupSizes = plainSizes;
    int64_t index = 0;
    for (const auto& group : layout) {
        for (const auto& entry : group) {
            const auto it = snapshot.state.find(index++);
            if (it == snapshot.state.end())
                continue;
            const auto parts = static_cast<int64_t>(entry.plainIndices.size());
            if (parts == 1) {
                plain.state[entry.plainIndices[0]] = it->second;
                continue;
            }
            CLIPWB_CHECK(it->second.expAvg.dim() >= 1 && it->second.expAvg.size(0) % parts == 0,
                         "flash-attention optimizer state ", index - 1, " of shape ",
                         it->second.expAvg.sizes(), " does not split into ", parts);
            const auto avg = it->second.expAvg.chunk(parts, 0);
            const auto avgSq = it->second.expAvgSq.chunk(parts, 0);
            for (int64_t k = 0; k < parts; ++k)
                plain.state[entry.plainIndices[static_cast<size_t>(k)]] = {
                    it->second.step, avg[static_cast<size_t>(k)].contiguous(),
                    avgSq[static_cast<size_t>(k)].contiguous()};
        }
    }
    if (converted)
        *converted = true;
    return plain;
}

} // namespace clipwb::train
