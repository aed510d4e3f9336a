namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// Managed code address ranges and their method names, from MethodLoadVerbose (methods jitted during the session) and the
/// rundown's MethodDCEndVerbose (methods jitted, or loaded ready-to-run, before it). Bounded by the target's code, not by the
/// session's length: one entry per method body.
/// </summary>
internal sealed class MethodAddressMap
{
    private readonly CodeRanges<string> _ranges = new();
    private readonly Dictionary<string, string> _typeNames = new(StringComparer.Ordinal);

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
        _ranges.Add(start, start + (ulong)size, name);
    }

    /// <summary>The method whose code holds the return address <paramref name="address"/>, or null (native or unknown code).</summary>
    public string? Resolve(ulong address) => _ranges.Find(address);

    /// <summary>"System.Threading.Tasks.Task`1[System.__Canon]" → "System.Threading.Tasks.Task`1": the site, not the instantiation.</summary>
    internal static string StripGenericArguments(string typeName)
    {
        var bracket = typeName.IndexOf('[', StringComparison.Ordinal);
        return bracket < 0 ? typeName : typeName[..bracket];
    }
}
