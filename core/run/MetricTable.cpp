#include "run/MetricTable.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace clipwb::run {
namespace {
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
}

size_t MetricTable::columnIndex(std::string_view name)
{
    for (size_t i = 0; i < m_names.size(); ++i)
        if (m_names[i] == name)
            return i;
    m_names.emplace_back(name);
    m_columns.emplace_back(m_rows, kMissing);
    m_columns.back().reserve(std::max<size_t>(m_rows + 1, 1024));
    return m_names.size() - 1;
}

void MetricTable::append(const std::vector<Field>& fields)
{
    for (auto& column : m_columns)
        column.push_back(kMissing);
    ++m_rows;
    for (size_t k = 0; k < fields.size(); ++k) {
        const auto& [name, value] = fields[k];
        // Records of one writer list their keys in the same order.
        const size_t index = k < m_names.size() && m_names[k] == name ? k : columnIndex(name);
        m_columns[index].back() = value;
    }
}

void MetricTable::clear()
{
    m_names.clear();
    m_columns.clear();
    m_rows = 0;
}

const std::vector<double>* MetricTable::column(std::string_view name) const
{
    for (size_t i = 0; i < m_names.size(); ++i)
        if (m_names[i] == name)
            return &m_columns[i];
    return nullptr;
}

double MetricTable::value(std::string_view name, size_t row) const
{
    const auto* values = column(name);
    return values && row < values->size() ? (*values)[row] : kMissing;
}

long MetricTable::rowOfStep(double step) const
{
    const auto* steps = column("step");
    if (!steps)
        return -1;
    for (size_t i = steps->size(); i-- > 0;)
        if ((*steps)[i] == step)
            return static_cast<long>(i);
    return -1;
}

} // namespace clipwb::run
