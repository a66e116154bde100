#include "ui/training/SeriesMath.h"

#include <algorithm>
#include <cmath>

namespace clipwb::ui {

void decimateMinMax(const double* x, const double* y, size_t n, double xMin, double xMax, int buckets,
                    QVector<double>& outX, QVector<double>& outY)
{
    outX.clear();
    outY.clear();
    if (n == 0 || buckets <= 0 || !(xMax >= xMin))
        return;
    size_t begin = static_cast<size_t>(std::lower_bound(x, x + n, xMin) - x);
    size_t end = static_cast<size_t>(std::upper_bound(x, x + n, xMax) - x);
    if (begin > 0)
        --begin;
    if (end < n)
        ++end;
    const auto append = [&](size_t i) {
        if (!std::isnan(x[i]) && !std::isnan(y[i])) {
            outX.push_back(x[i]);
            outY.push_back(y[i]);
        }
    };
    if (end - begin <= static_cast<size_t>(2 * buckets) + 2) {
        outX.reserve(static_cast<int>(end - begin));
        outY.reserve(static_cast<int>(end - begin));
        for (size_t i = begin; i < end; ++i)
            append(i);
        return;
    }
    outX.reserve(2 * buckets + 4);
    outY.reserve(2 * buckets + 4);
    const double width = (xMax - xMin) / buckets;
    size_t i = begin;
    // The neighbour left of the range keeps the line continuous at the edge.
    if (x[i] < xMin) {
        append(i);
        ++i;
    }
    const auto bucketOf = [&](double value) {
        const double k = width > 0 ? std::floor((value - xMin) / width) : 0.0;
        return static_cast<int>(std::clamp(k, 0.0, static_cast<double>(buckets - 1)));
    };
    while (i < end && x[i] <= xMax) {
        const int bucket = bucketOf(x[i]);
        size_t lowest = n, highest = n;
        do {
            if (!std::isnan(y[i])) {
                if (lowest == n || y[i] < y[lowest])
                    lowest = i;
                if (highest == n || y[i] > y[highest])
                    highest = i;
            }
            ++i;
        } while (i < end && x[i] <= xMax && bucketOf(x[i]) == bucket);
        if (lowest == n)
            continue;
        append(std::min(lowest, highest));
        if (lowest != highest)
            append(std::max(lowest, highest));
    }
    if (i < end)
        append(i);
}

void smoothExponential(const std::vector<double>& values, double weight, std::vector<double>& out)
{
    weight = std::clamp(weight, 0.0, 0.999);
    out.resize(values.size());
    double average = 0;
    double norm = 0;
    for (size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        if (std::isnan(v)) {
            out[i] = v;
            continue;
        }
        average = average * weight + (1 - weight) * v;
        norm = norm * weight + (1 - weight);
        out[i] = average / norm;
    }
}

} // namespace clipwb::ui
