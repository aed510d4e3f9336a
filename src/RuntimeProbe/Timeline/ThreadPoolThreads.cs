using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Timeline;

/// <summary>
/// The thread pool's worker-thread count, from every adjustment (the pool's new goal) and from the counter (the count the
/// session started with, until the first adjustment).
/// </summary>
internal sealed class ThreadPoolThreads
{
    /// <summary>The last known count, if any.</summary>
    public int? Last { get; private set; }

    public int Max { get; private set; }

    /// <summary>Takes the adjustment's count and returns the count before it, when known.</summary>
    public int? On(ThreadPoolAdjustment s)
    {
        Max = Math.Max(Max, s.NewWorkerThreadCount);
        var before = Last;
        Last = s.NewWorkerThreadCount;
        return before;
    }

    public void On(RuntimeCounter s)
    {
        if (s.Name == CounterNames.ThreadPoolThreadCount)
        {
            Max = Math.Max(Max, (int)s.Value);
            Last ??= (int)s.Value;
        }
    }
}
