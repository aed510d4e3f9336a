using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Analysis;

/// <summary>The longest lock-contention waits of the session, at most <c>limit</c>, for drawing on the timeline.</summary>
internal sealed class ContentionWindows(int limit)
{
    private readonly PriorityQueue<ReportContentionWindow, double> _longest = new();

    public void Add(double start, double duration)
    {
        if (limit <= 0 || (_longest.Count >= limit && _longest.TryPeek(out _, out var shortest) && duration <= shortest))
        {
            return;
        }

        _longest.Enqueue(new ReportContentionWindow
        {
            StartMs = LatencyRecorder.Round(start),
            DurationMs = LatencyRecorder.Round(duration),
        }, duration);
        if (_longest.Count > limit)
        {
            _longest.Dequeue();
        }
    }

    public IReadOnlyList<ReportContentionWindow> InTimeOrder() =>
        _longest.UnorderedItems.Select(w => w.Element).OrderBy(w => w.StartMs).ToList();
}
