namespace TailGuard.RuntimeProbe.Attribution;

/// <summary>
/// A request's endpoint: its method and path without the query string (a query string makes every URL distinct). Names are
/// cached by method and path, looked up without allocating, so a request costs no string of its own; the cache is bounded,
/// since paths can be unbounded in number.
/// </summary>
internal sealed class EndpointNames
{
    /// <summary>Kestrel's request events without a path (older Kestrel versions).</summary>
    public const string KestrelWithoutPath = "(kestrel)";

    private const int MaxCached = 4_096;
    private readonly Dictionary<string, Dictionary<string, string>> _byMethod = [];
    private int _cached;

    public string Name(string method, string path)
    {
        var q = path.IndexOf('?', StringComparison.Ordinal);
        var route = q >= 0 ? path.AsSpan(0, q) : path.AsSpan();
        if (!_byMethod.TryGetValue(method, out var byRoute))
        {
            if (_byMethod.Count >= MaxCached)
            {
                return Compose(method, route);
            }

            byRoute = [];
            _byMethod[method] = byRoute;
        }

        var lookup = byRoute.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(route, out var name))
        {
            return name;
        }

        name = Compose(method, route);
        if (_cached < MaxCached)
        {
            byRoute[route.ToString()] = name;
            _cached++;
        }

        return name;
    }

    private static string Compose(string method, ReadOnlySpan<char> route) =>
        method.Length == 0 ? route.ToString() : string.Concat(method, " ", route);
}
