namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// Managed code address ranges, each with what it names, looked up by a stack frame's return address. Ranges arrive mostly in
/// address order (jitting and rundown); they are sorted once, on the first lookup after one arrived out of order.
/// </summary>
internal sealed class CodeRanges<T>
    where T : class
{
    private readonly List<(ulong Start, ulong End, T Value)> _ranges = [];
    private bool _sorted = true;

    public int Count => _ranges.Count;

    public void Add(ulong start, ulong end, T value)
    {
        if (_ranges.Count > 0 && _ranges[^1].Start > start)
        {
            _sorted = false;
        }

        _ranges.Add((start, end, value));
    }

    /// <summary>What the code holding the return address <paramref name="address"/> names, or null (native or unknown code).</summary>
    public T? Find(ulong address)
    {
        if (!_sorted)
        {
            _ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
            _sorted = true;
        }

        // A return address points just past the call; the call itself lies one byte earlier, inside the caller's code.
        var target = address - 1;
        int lo = 0, hi = _ranges.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ranges[mid].Start <= target)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        // Rundown repeats methods already loaded during the session: equal ranges, any of them names the method.
        return found >= 0 && target < _ranges[found].End ? _ranges[found].Value : null;
    }
}
