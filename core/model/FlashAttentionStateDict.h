#pragma once
// A state dict with upstream's flash-attention names (Wqkv, attention.self.out_proj; see
// FlashAttentionKeys.h) in the plain layout: packed q/k/v split, other keys unchanged.
// model::loadClipWeights applies it, so raw flash state dicts load like any other.
#include "model/Clip.h"

namespace clipwb::model {

NamedTensors plainAttentionLayout(const NamedTensors& stateDict);

} // namespace clipwb::model
