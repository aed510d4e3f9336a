using HdrHistogram;

namespace TailGuard.RuntimeProbe.Attribution;

/// <summary>
/// An HdrHistogram of latencies in microseconds (3 significant digits, 1 µs to 1 hour) plus the exact maximum. Its memory is
/// fixed by its range and precision, whatever the number of values recorded.
/// </summary>
internal sealed class LatencyRecorder
{
    internal const long HighestTrackableMicroseconds = 3_600_000_000;

    private readonly HistogramBase _histogram;
    private double _maxMs;

    public LatencyRecorder(int significantDigits = 3, long highestMicroseconds = HighestTrackableMicroseconds)
    {
        _histogram = new LongHistogram(highestMicroseconds, significantDigits);
        Highest = highestMicroseconds;
    }

    private long Highest { get; }

    public long Count => _histogram.TotalCount;

    public double MaxMs => _maxMs;

    public void Record(double milliseconds)
    {
        var us = (long)Math.Round(milliseconds * 1000);
        _histogram.RecordValue(Math.Clamp(us, 1, Highest));
        if (milliseconds > _maxMs)
        {
            _maxMs = milliseconds;
        }
    }

    public void Add(LatencyRecorder other)
    {
        _histogram.Add(other._histogram);
        _maxMs = Math.Max(_maxMs, other._maxMs);
    }

    /// <summary>The value at a percentile in milliseconds, never above the exact maximum.</summary>
    public double PercentileMs(double percentile) =>
        Count == 0 ? 0 : Math.Min(_histogram.GetValueAtPercentile(percentile) / 1000.0, _maxMs);

    /// <summary>The non-empty buckets: each bucket's highest equivalent value (µs) and its count.</summary>
    public IEnumerable<(long Value, long Count)> Buckets()
    {
        if (Count == 0)
        {
            yield break;
        }

        foreach (var value in _histogram.RecordedValues())
        {
            yield return (_histogram.HighestEquivalentValue(value.ValueIteratedTo), value.CountAddedInThisIterationStep);
        }
    }

    /// <summary>
    /// The same buckets as <see cref="Buckets"/>, largest value first, walking down from the maximum only as far as they are
    /// read: the tail of a distribution without visiting the rest of the histogram.
    /// </summary>
    public IEnumerable<(long Value, long Count)> BucketsDescending()
    {
        if (Count == 0)
        {
            yield break;
        }

        // The largest value recorded is the maximum, rounded and clamped as Record does.
        var value = _histogram.HighestEquivalentValue(Math.Clamp((long)Math.Round(_maxMs * 1000), 1, Highest));
        while (true)
        {
            var count = _histogram.GetCountAtValue(value);
            if (count > 0)
            {
                yield return (value, count);
            }

            var lowest = _histogram.LowestEquivalentValue(value);
            if (lowest == 0)
            {
                yield break;
            }

            value = _histogram.HighestEquivalentValue(lowest - 1);
        }
    }
}
