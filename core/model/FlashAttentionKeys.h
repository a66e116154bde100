#pragma once
// Upstream's flash-attention models (--use-flash-attention, flash_attn's
// FlashMHA) name and pack their attention weights differently:
//   ViT:  attn.in_proj_weight / in_proj_bias        -> attn.Wqkv.weight / bias
//   BERT: attention.self.{query,key,value}.{weight,bias}
//                                                   -> attention.self.Wqkv.{weight,bias} (q, k, v stacked)
//         attention.output.dense.{weight,bias}      -> attention.self.out_proj.{weight,bias}
// Upstream converts its state dict back to the plain names when it saves
// (convert_state_dict), but a raw flash model's state dict, and the optimizer
// state of a flash run (indexed by the flash model's parameters), keep this
// layout. These map parameter names between the two.
#include <optional>
#include <string>
#include <vector>

namespace clipwb::model {

/// The flash-layout name of a plain parameter name: itself when unaffected, the Wqkv name for
/// the query/in_proj parameter, nullopt for key/value (merged into Wqkv).
std::optional<std::string> flashAttentionName(const std::string& plainName);

/// The plain names a flash-layout name stands for, in the order they are stacked (q, k, v).
std::vector<std::string> plainAttentionNames(const std::string& flashName);

/// Whether any name is in the flash layout (Wqkv or out_proj under attention.self).
bool hasFlashAttentionNames(const std::vector<std::string>& names);

} // namespace clipwb::model
