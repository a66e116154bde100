#pragma once
// How upstream's run scripts spell an option as a flag: the one source for
// `config flags`, the flag parser's suggestions and the Configuration page.
#include <string>

namespace clipwb::config {

/// "--batch-size" for batch_size; upstream's own spellings where they differ
/// ("--distllation", "--kd_loss_weight").
std::string flagFor(const std::string& key);

} // namespace clipwb::config
