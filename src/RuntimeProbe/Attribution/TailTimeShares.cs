namespace TailGuard.RuntimeProbe.Attribution;

/// <summary>
/// Attribution by time: of the tail's excess time (each slow request's total latency above the median), the share that was a
/// GC pause, a wait in the pool's queue, lock contention, a blocking wait, or none of these. A 500 ms request that overlapped
/// 5 ms of GC is 1% GC, not "GC". Requests are summed into log-spaced buckets of total latency (2% apart), each holding the
/// sums of its requests' milliseconds per cause, so memory is fixed whatever the number of requests; the tail is read from
/// the top buckets, the one at the boundary pro rata, and causes are capped at the bucket's excess.
/// </summary>
internal sealed class TailTimeShares
{
    private const double Ratio = 1.02;
    private static readonly double LogRatio = Math.Log(Ratio);
    private static readonly int BucketCount = IndexOf(LatencyRecorder.HighestTrackableMicroseconds / 1000.0) + 1;

    private readonly long[] _counts = new long[BucketCount];
    private readonly double[] _totalMs = new double[BucketCount];
    private readonly double[,] _causeMs = new double[BucketCount, TimeBreakdown.Causes];

    public void Record(double totalMs, in TimeBreakdown time)
    {
        var i = IndexOf(totalMs);
        _counts[i]++;
        _totalMs[i] += totalMs;
        _causeMs[i, 0] += time.GcPauseMs;
        _causeMs[i, 1] += time.QueueWaitMs;
        _causeMs[i, 2] += time.LockContentionMs;
        _causeMs[i, 3] += time.BlockingWaitMs;
    }

    /// <summary>
    /// The time shares of the <paramref name="wanted"/> slowest requests' excess over <paramref name="baselineMs"/> (the median):
    /// gcPause, queueWait, lockContention, blockingWait, then unexplained; they add up to 1 (all 0 when there is no excess).
    /// </summary>
    public double[] Of(double wanted, double baselineMs)
    {
        var causes = new double[TimeBreakdown.Causes];
        var excess = 0.0;
        var taken = 0.0;
        for (var i = BucketCount - 1; i >= 0 && taken < wanted; i--)
        {
            if (_counts[i] == 0)
            {
                continue;
            }

            var fraction = Math.Min(1, (wanted - taken) / _counts[i]);
            taken += _counts[i] * fraction;
            var bucketExcess = Math.Max(0, _totalMs[i] - baselineMs * _counts[i]) * fraction;
            var explained = 0.0;
            for (var c = 0; c < causes.Length; c++)
            {
                explained += _causeMs[i, c] * fraction;
            }

            // Causes measured over the whole request can exceed what it spent above the median: they explain at most that.
            var scale = explained > bucketExcess && explained > 0 ? bucketExcess / explained : 1;
            for (var c = 0; c < causes.Length; c++)
            {
                causes[c] += _causeMs[i, c] * fraction * scale;
            }

            excess += bucketExcess;
        }

        var shares = new double[TimeBreakdown.Causes + 1];
        if (excess <= 0)
        {
            return shares;
        }

        var sum = 0.0;
        for (var c = 0; c < causes.Length; c++)
        {
            shares[c] = Math.Round(causes[c] / excess, 4);
            sum += shares[c];
        }

        shares[^1] = Math.Round(Math.Max(0, 1 - sum), 4);
        return shares;
    }

    private static int IndexOf(double ms) => (int)(Math.Log(Math.Clamp(ms * 1000, 1, LatencyRecorder.HighestTrackableMicroseconds)) / LogRatio);
}

/// <summary>
/// How the milliseconds of one request (from the start of its wait to its end) divide between the causes, each counted once in
/// order of precedence: a GC pause suspends everything, so the other causes count only outside pauses.
/// </summary>
internal readonly record struct TimeBreakdown(double GcPauseMs, double QueueWaitMs, double LockContentionMs, double BlockingWaitMs)
{
    /// <summary>The causes a breakdown holds (the unexplained time is the rest).</summary>
    public const int Causes = 4;
}
