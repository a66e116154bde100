#pragma once
// Numeric helpers of the dashboard's charts: decimation for display and
// smoothing. Qt-light so they can be unit-tested on a million points.
#include <QVector>

#include <cstddef>
#include <vector>

namespace clipwb::ui {

/// Reduces the points of (x, y) whose x lies in [xMin, xMax] to the lowest and
/// the highest y of each of `buckets` equal x intervals (in x order, one point
/// either side of the range kept so lines reach the edges). x must be
/// non-decreasing; points with a NaN x or y are skipped. Fewer points than
/// 2 * buckets are copied as they are.
void decimateMinMax(const double* x, const double* y, size_t n, double xMin, double xMax, int buckets,
                    QVector<double>& outX, QVector<double>& outY);

/// TensorBoard's smoothing: an exponential moving average with weight in
/// [0, 1) and debiasing, so the first points are not pulled towards zero.
/// NaN values are carried through without disturbing the average.
void smoothExponential(const std::vector<double>& values, double weight, std::vector<double>& out);

} // namespace clipwb::ui
