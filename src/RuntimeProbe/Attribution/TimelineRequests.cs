namespace TailGuard.RuntimeProbe.Attribution;

/// <summary>
/// Every completed request, for drawing each as a dot on the timeline, while there are at most <c>limit</c>; past that the
/// list is dropped (the timeline's per-interval percentiles take over), so memory stays bounded however long the session.
/// </summary>
internal sealed class TimelineRequests(int limit)
{
    private List<TimelineRequest>? _requests = [];

    /// <summary>The requests in the order they completed; empty once there were too many.</summary>
    public IReadOnlyList<TimelineRequest> Requests => _requests ?? [];

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

        _requests.Add(new TimelineRequest(start, latency, endpoint));
    }
}

/// <summary>One completed request: when it started, how long it took, its endpoint.</summary>
internal sealed record TimelineRequest(double StartMs, double DurationMs, string Endpoint);
