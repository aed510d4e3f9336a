using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Analysis;

/// <summary>
/// Every completed request, for drawing each as a dot on the timeline, while there are at most <c>limit</c>; past that the
/// list is dropped (the timeline's per-interval percentiles take over), so memory stays bounded however long the session.
/// </summary>
internal sealed class TimelineRequests(int limit)
{
    private List<ReportTimelineRequest>? _requests = [];

    public void Add(double start, double latency, string endpoint)
    {
        if (_requests is null)
        {
            return;
        }

        if (_requests.Count >= limit)
        {
            _requests = null;
            return;
        }

        _requests.Add(new ReportTimelineRequest
        {
            StartMs = LatencyRecorder.Round(start),
            DurationMs = LatencyRecorder.Round(latency),
            Endpoint = endpoint,
        });
    }

    public IReadOnlyList<ReportTimelineRequest> InTimeOrder() =>
        _requests is null ? [] : _requests.OrderBy(r => r.StartMs).ToList();
}
