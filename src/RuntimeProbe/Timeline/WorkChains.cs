namespace TailGuard.RuntimeProbe.Timeline;

/// <summary>
/// Follows work items from thread to thread to find when the work that led to a request began, before the application saw it.
/// A request's bytes reach the process on the socket engine's own thread, which queues a work item; the pool thread running it
/// queues Kestrel's IOQueue; that queues the connection's continuation, which raises RequestStart. Each item queued by a pool
/// thread inherits the origin of the item that thread is running; an item queued by a thread that runs no work item (the
/// socket engine, a timer, a thread of the app's own) starts a chain at its enqueue. RequestStart on a thread then began
/// waiting at the origin of the thread's current item. Origins ride along with the items in
/// <see cref="SchedulingDelayTracker"/>; this class keeps, per thread, the item it runs. Allocation-free once the dictionary
/// has grown (one entry per thread).
/// </summary>
internal sealed class WorkChains(ChainSettings settings)
{
    private readonly Dictionary<int, Running> _running = [];

    /// <summary>The origin of a work item that <paramref name="threadId"/> queues at <paramref name="ts"/>.</summary>
    /// <param name="lastPause">The last GC pause recorded (its start and end).</param>
    public double OriginOf(double ts, int threadId, long workId, (double StartMs, double EndMs) lastPause)
    {
        if (threadId >= 0 && _running.TryGetValue(threadId, out var running))
        {
            // An item that queues itself again (the socket engine asking for another thread while events remain, a loop that
            // yields) hands on the events queued since its own enqueue: without this a busy engine's chain would never end.
            if (workId == running.WorkId)
            {
                return Math.Min(running.EnqueuedMs, ts);
            }

            var ran = ts - running.DequeuedMs;
            return Math.Min(ts, running.OriginMs + Math.Max(0, ran - settings.RunAllowanceMs));
        }

        // The queuing thread was suspended by the pause too: whatever reached it during the pause waited since it began.
        var sincePause = ts - lastPause.EndMs;
        return sincePause >= 0 && sincePause <= settings.AfterPauseMs ? lastPause.StartMs : ts;
    }

    /// <summary>Pool thread <paramref name="threadId"/> runs the item now; origin and enqueue are <paramref name="ts"/> when unknown.</summary>
    public void Dequeued(double ts, int threadId, long workId, double enqueuedMs, double originMs)
    {
        if (threadId >= 0)
        {
            _running[threadId] = new Running(workId, ts, enqueuedMs, originMs);
        }
    }

    /// <summary>
    /// Where the work <paramref name="threadId"/> is running now began, and when that thread dequeued it; false when the
    /// thread has run no work item seen (then nothing is known of the wait).
    /// </summary>
    public bool TryCurrent(int threadId, out double originMs, out double dequeuedMs)
    {
        if (threadId >= 0 && _running.TryGetValue(threadId, out var running))
        {
            originMs = running.OriginMs;
            dequeuedMs = running.DequeuedMs;
            return true;
        }

        originMs = dequeuedMs = 0;
        return false;
    }

    private readonly record struct Running(long WorkId, double DequeuedMs, double EnqueuedMs, double OriginMs);
}

/// <summary>How work chains inherit their origins (see <c>CorrelatorOptions.ChainRunAllowanceMs</c> and <c>AfterPauseMs</c>).</summary>
internal sealed record ChainSettings(double RunAllowanceMs, double AfterPauseMs);
