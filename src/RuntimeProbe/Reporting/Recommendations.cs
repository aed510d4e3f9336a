using TailGuard.RuntimeProbe.Rules;

namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>Recommendations tied to TailGuard rules and runtime settings, derived from what the report found.</summary>
public static class Recommendations
{
    /// <summary>The recommendation about lost events: not a cause of latency, a limit of what the report can tell.</summary>
    public const string EventsLostCause = "eventsLost";

    // GCStart reasons (TraceEvent's GCReason names) of a GC.Collect call; InducedLowMemory is the runtime's own.
    private const string InducedReason = "Induced";
    private const string InducedNotForcedReason = "InducedNotForced";
    private const string InducedCompactingReason = "InducedCompacting";

    /// <summary>The share of pauses that makes "every pause was induced" true: nearly every one.</summary>
    private const double MostPauses = 0.9;

    public static IReadOnlyList<ReportRecommendation> For(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var list = new List<ReportRecommendation>();
        var p99 = report.Tail.FirstOrDefault(t => t.Percentile == 99);
        var gcShare = report.Tail.Max(t => (double?)t.Share.GcPause) ?? 0;
        var starvationShare = report.Tail.Max(t => (double?)t.Share.ThreadPoolStarvation) ?? 0;
        var contentionShare = report.Tail.Max(t => (double?)t.Share.LockContention) ?? 0;
        var gcTimeShare = report.Session.DurationMs > 0 ? report.Gc.TotalPauseMs / report.Session.DurationMs : 0;

        if (report.ThreadPool.StarvationEpisodes.Count > 0 || starvationShare > 0)
        {
            list.Add(new ReportRecommendation
            {
                Cause = Causes.ThreadPoolStarvation,
                Text = $"Thread-pool starvation ({report.ThreadPool.StarvationEpisodes.Count} episode(s), {Percent(starvationShare)} of the tail). " +
                       $"Remove blocking calls on pool threads: sync-over-async ({RuleIds.BlockingTaskWait}), Thread.Sleep ({RuleIds.ThreadSleepInAsyncContext}), " +
                       $"synchronous I/O ({RuleIds.SynchronousApiInAsyncContext}), long blocking work items ({RuleIds.LongBlockingWorkOnThreadPool}). " +
                       "As a stopgap only, raise the minimum worker threads " +
                       "(ThreadPool.SetMinThreads or System.Threading.ThreadPool.MinThreads in runtimeconfig.json).",
                Rules = [RuleIds.BlockingTaskWait, RuleIds.ThreadSleepInAsyncContext, RuleIds.SynchronousApiInAsyncContext, RuleIds.LongBlockingWorkOnThreadPool],
            });
        }

        if (report.ThreadPool.ForcedMaxWorkerThreads is { } forced
            && (report.ThreadPool.StarvationEpisodes.Count > 0 || report.ThreadPool.MaxQueueLength >= 1 && report.Requests.Count == 0))
        {
            list.Add(new ReportRecommendation
            {
                Cause = Causes.ThreadPoolStarvation,
                Text = $"The target's environment caps the thread pool at {forced} worker threads (DOTNET_ThreadPool_ForceMaxWorkerThreads): " +
                       "a pool at its maximum adds no thread however long work waits, and raises no starvation event. " +
                       $"Remove the setting; with blocking calls on pool threads ({RuleIds.BlockingTaskWait}) a capped pool deadlocks.",
                Rules = [RuleIds.BlockingTaskWait],
            });
        }

        if (report.ThreadPool.QueueStallEpisodes > 0)
        {
            list.Add(new ReportRecommendation
            {
                Cause = Causes.ThreadPoolStarvation,
                Text = $"In {report.ThreadPool.QueueStallEpisodes} episode(s) work waited in the pool's queue while the pool added no thread " +
                       $"(max {report.ThreadPool.MaxThreadCount} threads): the pool looks capped at its maximum " +
                       "(DOTNET_ThreadPool_ForceMaxWorkerThreads, ThreadPool.SetMaxThreads, System.Threading.ThreadPool.MaxThreads in runtimeconfig.json). " +
                       $"Raise or remove the limit; with blocking calls on pool threads ({RuleIds.BlockingTaskWait}) a capped pool deadlocks.",
                Rules = [RuleIds.BlockingTaskWait],
            });
        }

        if (report.ThreadPool.CooperativeBlockingAdjustments > 0)
        {
            list.Add(new ReportRecommendation
            {
                Cause = Causes.ThreadPoolStarvation,
                Text = $"The runtime compensated {report.ThreadPool.CooperativeBlockingAdjustments} time(s) for pool threads blocked on tasks " +
                       $"(CooperativeBlocking): there is sync-over-async on the request path ({RuleIds.BlockingTaskWait}).",
                Rules = [RuleIds.BlockingTaskWait],
            });
        }

        if (report.Gc.PauseCount > 0 && (gcShare > 0.1 || gcTimeShare > 0.01))
        {
            list.Add(GcRecommendation(report, gcShare));
        }

        if (report.Contention.Count > 0 && contentionShare > 0.1)
        {
            list.Add(new ReportRecommendation
            {
                Cause = Causes.LockContention,
                Text = $"Lock contention ({report.Contention.Count} waits, {report.Contention.TotalWaitMs:0.#} ms in total; {Percent(contentionShare)} of the tail). " +
                       $"Shorten critical sections and never block or await while holding a lock ({RuleIds.BlockingWhileHoldingLock}).",
                Rules = [RuleIds.BlockingWhileHoldingLock],
            });
        }

        if (p99 is { Requests: > 0 } && p99.Share.Unexplained > 0.5)
        {
            list.Add(new ReportRecommendation
            {
                Cause = Causes.Unexplained,
                Text = $"{Percent(p99.Share.Unexplained)} of the requests above P99 overlapped no pause, starvation or contention: " +
                       $"look for CPU-bound loops that never yield ({RuleIds.LoopWithoutYield}), busy waits ({RuleIds.BusyWait}) and slow downstream calls; " +
                       "a CPU sampling trace (dotnet-trace collect) shows where the time goes.",
                Rules = [RuleIds.LoopWithoutYield, RuleIds.BusyWait],
            });
        }

        var queues = report.Requests.KestrelQueues;
        if (queues.MaxConnectionQueueLength >= 1 || queues.MaxRequestQueueLength >= 1)
        {
            list.Add(new ReportRecommendation
            {
                Cause = Causes.ThreadPoolStarvation,
                Text = $"Kestrel queued up to {queues.MaxConnectionQueueLength:0} connections and {queues.MaxRequestQueueLength:0} requests waiting for a " +
                       $"thread-pool thread: clients waited longer than the application's own timings show. Free the pool ({RuleIds.BlockingTaskWait}, {RuleIds.LongBlockingWorkOnThreadPool}).",
                Rules = [RuleIds.BlockingTaskWait, RuleIds.LongBlockingWorkOnThreadPool],
            });
        }

        if (report.Session.EventsLost > 0)
        {
            list.Add(new ReportRecommendation
            {
                Cause = EventsLostCause,
                Text = $"EventPipe dropped {report.Session.EventsLost} events; the figures undercount. Collect fewer keywords or a larger buffer (--buffer-mb).",
            });
        }

        return list;
    }

    private static ReportRecommendation GcRecommendation(Report report, double gcShare)
    {
        var gc = report.Gc;
        var figures = $"GC pauses ({gc.PauseCount}, {gc.TotalPauseMs:0.#} ms in total, max {gc.MaxPauseMs:0.#} ms; {Percent(gcShare)} of the tail)";
        var induced = gc.Pauses.Count(p => p.Reason.Contains("Induced", StringComparison.OrdinalIgnoreCase));
        var collectCalls = gc.Pauses.Count(p => p.Reason is InducedReason or InducedNotForcedReason or InducedCompactingReason);

        // When (nearly) every pause was GC.Collect, the allocation and GC-mode advice would point away from the cause.
        if (gc.Pauses.Count > 0 && collectCalls >= MostPauses * gc.Pauses.Count)
        {
            return new ReportRecommendation
            {
                Cause = Causes.GcPause,
                Text = $"{figures}. {collectCalls} of the {gc.Pauses.Count} pauses were induced: something calls GC.Collect " +
                       $"({RuleIds.InducedGarbageCollection}). Remove the call; the runtime collects when it needs to.",
                Rules = [RuleIds.InducedGarbageCollection],
            };
        }

        var gen2 = gc.ByGeneration.FirstOrDefault(g => g.Generation == 2);
        var serverGc = gc.HeapCount > 1;
        return new ReportRecommendation
        {
            Cause = Causes.GcPause,
            Text = $"{figures}. Allocate less on the request path: large-object-heap allocations ({RuleIds.LargeObjectHeapAllocation})" +
                   (induced > 0 ? $", and remove induced collections ({RuleIds.InducedGarbageCollection}: GC.Collect)" : "") +
                   (serverGc
                       ? $". Server GC is already on ({gc.HeapCount} heaps); "
                       : ". On a multi-core server consider Server GC (<ServerGarbageCollector>true</ServerGarbageCollector>); ") +
                   "if gen0 collections dominate, a larger gen0 budget (DOTNET_GCgen0size) trades memory for fewer pauses" +
                   (gen2 is { PauseCount: > 0 } ? $"; {gen2.PauseCount} gen2 pause(s) took {gen2.TotalPauseMs:0.#} ms: look for a large live heap or compaction" : "") + ".",
            Rules = induced > 0 ? [RuleIds.LargeObjectHeapAllocation, RuleIds.InducedGarbageCollection] : [RuleIds.LargeObjectHeapAllocation],
        };
    }

    private static string Percent(double share) => Math.Round(share * 100).ToString(System.Globalization.CultureInfo.InvariantCulture) + "%";
}
