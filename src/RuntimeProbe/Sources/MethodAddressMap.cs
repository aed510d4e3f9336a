namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// Managed code address ranges and their method names, from MethodLoadVerbose (methods jitted during the session) and the
/// rundown's MethodDCEndVerbose (methods jitted, or loaded ready-to-run, before it). Bounded by the target's code, not by the
/// session's length: one entry per method body.
/// </summary>
internal sealed class MethodAddressMap
{
    private readonly List<(ulong Start, ulong End, string Name)> _ranges = [];
    private readonly Dictionary<string, string> _typeNames = new(StringComparer.Ordinal);
    private bool _sorted = true;

    public int Count => _ranges.Count;

    public void Add(ulong start, int size, string typeName, string methodName)
    {
        if (start == 0 || size <= 0)
        {
            return;
        }

        if (!_typeNames.TryGetValue(typeName, out var type))
        {
            type = StripGenericArguments(typeName);
            _typeNames[typeName] = type;
        }

        var name = type.Length == 0 ? methodName : type + "." + methodName;
        if (_ranges.Count > 0 && _ranges[^1].Start > start)
        {
            _sorted = false;
        }

        _ranges.Add((start, start + (ulong)size, name));
    }

    /// <summary>The method whose code holds the return address <paramref name="address"/>, or null (native or unknown code).</summary>
    public string? Resolve(ulong address)
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
        return found >= 0 && target < _ranges[found].End ? _ranges[found].Name : null;
    }

    /// <summary>"System.Threading.Tasks.Task`1[System.__Canon]" → "System.Threading.Tasks.Task`1": the site, not the instantiation.</summary>
    internal static string StripGenericArguments(string typeName)
    {
        var bracket = typeName.IndexOf('[', StringComparison.Ordinal);
        return bracket < 0 ? typeName : typeName[..bracket];
    }
}
