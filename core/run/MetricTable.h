#pragma once
// A column store of numeric records (one table per record type of
// metrics.jsonl). Columns appear as keys are first seen; a record that lacks a
// key holds NaN there. Columns keep the dashboard's plots copy-free even with
// millions of steps.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clipwb::run {

class MetricTable {
public:
    using Field = std::pair<std::string_view, double>;

    /// Appends one record; fields not seen before become new columns (NaN above).
    void append(const std::vector<Field>& fields);
    void clear();

    size_t rows() const { return m_rows; }
    const std::vector<std::string>& names() const { return m_names; }
    /// The column named name, or nullptr when no record had that key.
    const std::vector<double>* column(std::string_view name) const;
    /// The value at row, NaN when the column or the value is missing.
    double value(std::string_view name, size_t row) const;
    /// The last row whose column "step" equals step; -1 when none.
    long rowOfStep(double step) const;

private:
    size_t columnIndex(std::string_view name);
    std::vector<std::string> m_names;
    std::vector<std::vector<double>> m_columns;
    size_t m_rows = 0;
};

} // namespace clipwb::run
