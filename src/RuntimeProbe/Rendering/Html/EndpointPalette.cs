using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Rendering.Html;

/// <summary>
/// One colour per endpoint, the same in the timeline, the percentile chart and the tables: the slowest endpoints (by P99,
/// then by count) get the <see cref="Size"/> palette colours (CSS classes s0 to s7), the rest share the neutral "other"
/// colour. Slowest rather than busiest: the tail is what the report is about, and a rarely called slow endpoint is the one a
/// busiest-first choice leaves out.
/// </summary>
internal sealed class EndpointPalette
{
    public const int Size = 8;

    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public EndpointPalette(Report report)
    {
        Charted = report.Requests.Endpoints
            .Where(e => e.Count > 0)
            .OrderByDescending(e => e.LatencyMs.P99)
            .ThenByDescending(e => e.Count)
            .Take(Size)
            .ToList();
        for (var i = 0; i < Charted.Count; i++)
        {
            _index[Charted[i].Name] = i;
        }
    }

    /// <summary>The endpoints that have a colour of their own, slowest first.</summary>
    public IReadOnlyList<ReportEndpoint> Charted { get; }

    public string ClassOf(string endpoint) => _index.TryGetValue(endpoint, out var i) ? "s" + i : "sx";

    public bool HasColour(string endpoint) => _index.ContainsKey(endpoint);
}
