using TailGuard.RuntimeProbe.Attribution;
using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>
/// A latency distribution as HdrHistogram plots it: values at percentiles spaced evenly on a log scale of 1/(1-p) (0%, 20.6%,
/// 36.9%, ... 90%, ... 99%, ... 99.9%), ten per decade, up to the last percentile the request count resolves, then the maximum.
/// </summary>
internal static class PercentileDistribution
{
    private const int PointsPerDecade = 10;

    public static IReadOnlyList<ReportPercentilePoint> Of(LatencyRecorder recorder)
    {
        if (recorder.Count == 0)
        {
            return [];
        }

        var points = new List<ReportPercentilePoint>();
        // With n values, percentiles beyond 1 - 1/n all land on the largest value: stop at the count's resolution.
        var decades = Math.Log10(recorder.Count);
        for (var k = 0; k <= decades * PointsPerDecade + 1e-9; k++)
        {
            var percentile = 100 * (1 - Math.Pow(10, -(double)k / PointsPerDecade));
            points.Add(new ReportPercentilePoint
            {
                Percentile = Math.Round(percentile, 6),
                ValueMs = Milliseconds.Round(recorder.PercentileMs(percentile)),
            });
        }

        points.Add(new ReportPercentilePoint { Percentile = 100, ValueMs = Milliseconds.Round(recorder.MaxMs) });
        return points;
    }
}
