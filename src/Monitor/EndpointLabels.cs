namespace TailGuard.Monitor;

/// <summary>
/// Bounds the <c>endpoint</c> label over the monitor's whole life: paths come from clients and are unbounded in number, a
/// time series each. The first <see cref="MaxEndpoints"/> distinct names keep their own; the rest are <see cref="Other"/>.
/// Also splits the report's endpoint name ("GET /orders") into its method for the <c>method</c> label.
/// </summary>
internal sealed class EndpointLabels
{
    public const int MaxEndpoints = 64;
    public const string Other = "(other)";

    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public (string Endpoint, string Method) Of(string endpoint)
    {
        var space = endpoint.IndexOf(' ', StringComparison.Ordinal);
        var method = space > 0 && IsMethod(endpoint.AsSpan(0, space)) ? endpoint[..space] : "";
        if (_known.Contains(endpoint))
        {
            return (endpoint, method);
        }

        if (_known.Count < MaxEndpoints)
        {
            _known.Add(endpoint);
            return (endpoint, method);
        }

        return (Other, method);
    }

    // HTTP methods are upper-case tokens ("GET", "PROPFIND"); anything else is part of a name without a method.
    private static bool IsMethod(ReadOnlySpan<char> token)
    {
        foreach (var c in token)
        {
            if (c is < 'A' or > 'Z')
            {
                return false;
            }
        }

        return token.Length > 0;
    }
}
