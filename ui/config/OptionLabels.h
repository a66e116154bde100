#pragma once
// The label of each training option on the Configuration page: upstream's key
// made readable, with a few clearer names ("Loader threads" for num_workers).
#include <QString>

#include <string>

namespace clipwb::ui {

/// The translated label of key; the key itself when it has none.
QString optionLabel(const std::string& key);

} // namespace clipwb::ui
