namespace TailGuard.RuntimeProbe.Attribution;

/// <summary>
/// Request latencies per combination of causes and per primary cause, and the tail shares read from the top of those
/// histograms: of the slowest (100 - percentile)% of the requests, the share that overlapped each cause, and the share whose
/// primary cause each was. Requests of equal latency at the tail's boundary are shared out pro rata.
/// </summary>
internal sealed class TailShares
{
    private readonly LatencyRecorder[] _byCauses = NewRecorders(CauseSet.Combinations);
    private readonly LatencyRecorder[] _byPrimary = NewRecorders(CauseSet.Count + 1);
    private (long Recorded, LargestBuckets Buckets)? _byCausesLargestFirst;
    private (long Recorded, LargestBuckets Buckets)? _byPrimaryLargestFirst;

    public void Record(double latency, Cause causes, Cause primary)
    {
        _byCauses[(int)causes].Record(latency);
        _byPrimary[CauseSet.IndexOf(primary)].Record(latency);
    }

    /// <param name="overall">Every request recorded here, as one histogram.</param>
    public TailShare Of(LatencyRecorder overall, double percentile)
    {
        var threshold = overall.PercentileMs(percentile);
        var wanted = overall.Count == 0 ? 0 : Math.Max(1, Math.Round(overall.Count * (100 - percentile) / 100));
        var buckets = LargestFirst(overall, _byCauses, ref _byCausesLargestFirst);
        var causes = CauseSet.Count;
        var sums = new double[causes + 1];
        double taken = 0;
        for (var i = 0; buckets.Has(i) && taken < wanted;)
        {
            var end = GroupEnd(buckets, i, out var inGroup);
            var fraction = Math.Min(1, (wanted - taken) / inGroup);
            for (; i < end; i++)
            {
                var (_, combination, count) = buckets[i];
                var n = count * fraction;
                for (var c = 0; c < causes; c++)
                {
                    sums[c] += (combination & (1 << c)) != 0 ? n : 0;
                }

                sums[causes] += combination == 0 ? n : 0;
            }

            taken += inGroup * fraction;
        }

        var shares = sums.Select(n => taken == 0 ? 0 : Math.Round(n / taken, 4)).ToArray();
        var primary = TopShares(LargestFirst(overall, _byPrimary, ref _byPrimaryLargestFirst), _byPrimary.Length, wanted);
        return new TailShare(percentile, threshold, (long)Math.Round(taken), new CauseShares(shares), new CauseShares(primary));
    }

    /// <summary>Of the <paramref name="wanted"/> slowest values in <paramref name="buckets"/> (largest first), the share in each recorder.</summary>
    private static double[] TopShares(LargestBuckets buckets, int recorders, double wanted)
    {
        var taken = new double[recorders];
        var total = 0.0;
        for (var i = 0; buckets.Has(i) && total < wanted;)
        {
            var end = GroupEnd(buckets, i, out var inGroup);
            var fraction = Math.Min(1, (wanted - total) / inGroup);
            for (; i < end; i++)
            {
                var (_, index, count) = buckets[i];
                taken[index] += count * fraction;
            }

            total += inGroup * fraction;
        }

        return taken.Select(t => total == 0 ? 0 : Math.Round(t / total, 4)).ToArray();
    }

    private static LargestBuckets LargestFirst(LatencyRecorder overall, LatencyRecorder[] recorders, ref (long Recorded, LargestBuckets Buckets)? cache)
    {
        // Both tail percentiles read the same buckets: merge them once while no request was recorded since.
        if (cache is not { } cached || cached.Recorded != overall.Count)
        {
            cached = (overall.Count, new LargestBuckets(recorders));
            cache = cached;
        }

        return cached.Buckets;
    }

    /// <summary>The end of the run of buckets with the value of the one at <paramref name="start"/>, and their total count.</summary>
    private static int GroupEnd(LargestBuckets buckets, int start, out long count)
    {
        count = 0;
        var end = start;
        while (buckets.Has(end) && buckets[end].Value == buckets[start].Value)
        {
            count += buckets[end].Count;
            end++;
        }

        return end;
    }

    private static LatencyRecorder[] NewRecorders(int count) => Enumerable.Range(0, count).Select(_ => new LatencyRecorder()).ToArray();
}

/// <summary>For one tail percentile: its threshold, how many requests are above it, and the shares of each cause among them.</summary>
/// <param name="Share">The share that overlapped each cause (a request can overlap several); <see cref="Cause.None"/>: none.</param>
/// <param name="PrimaryShare">Each request counted once, under its primary cause: these add up to 1.</param>
internal sealed record TailShare(double Percentile, double ThresholdMs, long Requests, CauseShares Share, CauseShares PrimaryShare);

/// <summary>A share per cause, rounded to 4 decimals; <see cref="Cause.None"/> is the unexplained share.</summary>
internal readonly struct CauseShares(double[] shares)
{
    public double this[Cause cause] => shares[CauseSet.IndexOf(cause)];
}
