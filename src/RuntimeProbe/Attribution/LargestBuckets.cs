namespace TailGuard.RuntimeProbe.Attribution;

/// <summary>
/// The non-empty buckets of several recorders, merged largest value first and, for equal values, in recorder order (the order
/// in which the tail shares are summed). Read lazily from each recorder's maximum down: a tail share reads only the top of the
/// histograms, and both tail percentiles share one instance.
/// </summary>
internal sealed class LargestBuckets
{
    private readonly IEnumerator<(long Value, long Count)>[] _cursors;
    private readonly bool[] _more;
    private readonly List<(long Value, int Index, long Count)> _merged = [];

    public LargestBuckets(LatencyRecorder[] recorders)
    {
        _cursors = new IEnumerator<(long Value, long Count)>[recorders.Length];
        _more = new bool[recorders.Length];
        for (var i = 0; i < recorders.Length; i++)
        {
            _cursors[i] = recorders[i].BucketsDescending().GetEnumerator();
            _more[i] = _cursors[i].MoveNext();
        }
    }

    /// <summary>Whether there is an <paramref name="index"/>-th bucket (merging further when needed).</summary>
    public bool Has(int index)
    {
        while (_merged.Count <= index && MergeNext())
        {
        }

        return index < _merged.Count;
    }

    /// <summary>The <paramref name="index"/>-th bucket; call <see cref="Has"/> first.</summary>
    public (long Value, int Index, long Count) this[int index] => _merged[index];

    private bool MergeNext()
    {
        var best = -1;
        for (var i = 0; i < _cursors.Length; i++)
        {
            // Strictly greater: of equal values, the first recorder's goes first.
            if (_more[i] && (best < 0 || _cursors[i].Current.Value > _cursors[best].Current.Value))
            {
                best = i;
            }
        }

        if (best < 0)
        {
            return false;
        }

        var (value, count) = _cursors[best].Current;
        _merged.Add((value, best, count));
        _more[best] = _cursors[best].MoveNext();
        return true;
    }
}
