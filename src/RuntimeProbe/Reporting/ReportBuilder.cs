using TailGuard.RuntimeProbe.Attribution;
using TailGuard.RuntimeProbe.Rules;
using TailGuard.RuntimeProbe.Sources;
using TailGuard.RuntimeProbe.Timeline;

namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>
/// Turns what the pipeline's stages know into the report model: the one place that rounds times, names causes and picks what
/// the report lists. The stages below know nothing of the report.
/// </summary>
public static class ReportBuilder
{
    private static readonly double[] TailPercentiles = [99.0, 99.9];

    // Where the report's requests came from (requests.source).
    private const string HostingSource = "hosting";
    private const string KestrelSource = "kestrel";
    private const string NoSource = "none";

    // How far the figures can be trusted (session.confidence).
    private const string HighConfidence = "high";
    private const string MediumConfidence = "medium";
    private const string LowConfidence = "low";

    /// <summary>The most blocking call sites the report lists.</summary>
    private const int MaxBlockingSitesListed = 20;

    /// <summary>
    /// Ends the correlator's session at <paramref name="context"/>'s end (closing the windows still open and attributing every
    /// request still pending) and builds the report. Call once.
    /// </summary>
    public static Report Complete(this Correlator correlator, ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(correlator);
        ArgumentNullException.ThrowIfNull(context);
        return correlator.End(context.EndMs, (state, endMs) => Build(state, context, endMs));
    }

    /// <summary>The report's target: what the source knew of the process.</summary>
    public static ReportTarget Target(TargetInfo target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new ReportTarget
        {
            Pid = target.Pid,
            ProcessName = target.ProcessName,
            RuntimeVersion = target.RuntimeVersion,
            CommandLine = target.CommandLine,
        };
    }

    private static Report Build(Correlator c, ReportContext context, double endMs)
    {
        var useHosting = c.HostingRequests.Completed > 0 || c.KestrelRequests.Completed == 0;
        var requests = useHosting ? c.HostingRequests : c.KestrelRequests;
        var source = requests.Completed == 0 && requests.InFlight == 0 ? NoSource : useHosting ? HostingSource : KestrelSource;
        var overall = Summary(requests.Overall);

        var notes = new List<string>(context.Notes);
        var unmatched = requests.UnmatchedStops + c.Gc.UnpairedEvents;
        var confidence = HighConfidence;
        if (context.EventsLost > 0 || unmatched > 0)
        {
            var lostShare = (double)(context.EventsLost + unmatched) / Math.Max(1, c.EventCount + context.EventsLost);
            confidence = lostShare > 0.01 ? LowConfidence : MediumConfidence;
            notes.Add($"EventPipe dropped {context.EventsLost} events and {unmatched} start/stop pairs did not match: figures may undercount.");
        }

        if (context.TargetExited)
        {
            notes.Add("The target process exited during the session; the report covers the time until it exited.");
        }

        if (!c.Scheduling.Seen)
        {
            notes.Add(SchedulingReport.NotMeasuredNote);
        }

        if (SchedulingReport.LooksDeadlocked(requests.Completed, c.Scheduling, c.Starvation, c.Queues.MaxPoolQueueLength)
            || SchedulingReport.CappedAndStuck(context.ForcedMaxWorkerThreads, requests.Completed, requests.InFlight, c.Queues.MaxPoolQueueLength))
        {
            notes.Add(SchedulingReport.DeadlockNote(requests.InFlight, c.Queues.MaxPoolQueueLength));
            confidence = confidence == HighConfidence ? MediumConfidence : LowConfidence;
        }

        if (requests.Completed == 0 && context.Slo.Count > 0)
        {
            notes.Add(SloRule.NoRequestsNote);
        }

        if (requests.Completed == 0)
        {
            notes.Add(source == NoSource
                ? "No ASP.NET Core request events were seen: is the target an ASP.NET Core app, and did it receive requests?"
                : "Requests started but none completed during the session.");
        }

        var total = TotalLatencyReport.Of(requests, c.Scheduling.Seen);
        var report = new Report
        {
            Target = context.Target,
            Session = new ReportSession
            {
                DurationMs = Milliseconds.Round(endMs),
                EventsLost = context.EventsLost,
                EndReason = context.EndReason,
                TargetExited = context.TargetExited,
                Confidence = confidence,
                EventsProcessed = c.EventCount,
                TraceEvents = context.TraceEvents,
                Notes = notes,
            },
            Requests = new ReportRequests
            {
                Count = requests.Completed,
                Source = source,
                LatencyMs = overall,
                Endpoints = TotalLatencyReport.WithTotals(Endpoints(requests), requests, c.Scheduling.Seen),
                Distribution = PercentileDistribution.Of(requests.Overall),
                InFlightAtEnd = requests.InFlight,
                UnmatchedStops = requests.UnmatchedStops,
                KestrelQueues = new ReportKestrelQueues
                {
                    MaxConnectionQueueLength = c.Queues.MaxConnectionQueueLength,
                    MaxRequestQueueLength = c.Queues.MaxRequestQueueLength,
                },
                TotalLatencyMs = total.Latency,
                TotalLatencyDistribution = total.Distribution,
                WaitsMeasured = total.WaitsMeasured,
                TotalLatencyNote = total.Note,
            },
            Gc = Gc(c.Gc) with { HeapCount = c.GcHeaps > 0 ? c.GcHeaps : null },
            ThreadPool = SchedulingReport.With(new ReportThreadPool
            {
                StarvationEpisodes = c.Starvation.Listed.Select(e => new ReportStarvationEpisode
                {
                    StartMs = Milliseconds.Round(e.StartMs),
                    EndMs = Milliseconds.Round(e.EndMs),
                    ThreadsInjected = e.ThreadsInjected,
                    Ongoing = e.Ongoing,
                }).ToList(),
                MaxQueueLength = c.Queues.MaxPoolQueueLength,
                MaxThreadCount = c.Threads.Max,
                StarvationAdjustments = c.Starvation.StarvationAdjustments,
                CooperativeBlockingAdjustments = c.Starvation.CooperativeBlockingAdjustments,
                ForcedMaxWorkerThreads = context.ForcedMaxWorkerThreads,
            }, c.Scheduling, c.SchedulingDelays, c.Starvation, endMs),
            Contention = new ReportContention
            {
                Count = c.Contention.Count,
                TotalWaitMs = Milliseconds.Round(c.Contention.TotalWaitMs),
                MaxWaitMs = Milliseconds.Round(c.Contention.MaxWaitMs),
                Windows = c.Contention.LongestWaits
                    .Select(w => new ReportContentionWindow { StartMs = Milliseconds.Round(w.StartMs), DurationMs = Milliseconds.Round(w.DurationMs) })
                    .OrderBy(w => w.StartMs)
                    .ToList(),
            },
            Tail = TailPercentiles.Select(p => TotalLatencyReport.WithTime(Tail(requests.Tail(p)), requests, requests.Tail(p))).ToList(),
            SlowestRequests = requests.Slowest.Select(SlowRequest).OrderByDescending(s => s.TotalMs).ThenByDescending(s => s.DurationMs).ToList(),
            BlockingSites = BlockingSites(c.BlockingSites),
            Recommendations = [],
            Timeline = Timeline(requests),
            Slo = SloRule.EvaluateAll(context.Slo, total.Latency ?? overall, requests.Completed,
                total.Latency is null ? SloRule.ApplicationLatency : SloRule.TotalLatency),
        };
        return PoolHoldersReport.With(report with { Recommendations = Recommendations.For(report) }, c.PoolHolders);
    }

    private static ReportGc Gc(GcPauseTracker gc)
    {
        var pauses = gc.Listed.Select(p => new ReportGcPause
        {
            StartMs = Milliseconds.Round(p.StartMs),
            DurationMs = Milliseconds.Round(p.DurationMs),
            Generation = p.Generation,
            Reason = p.Reason,
            Type = p.Type,
        }).OrderBy(p => p.StartMs).ToList();
        return new ReportGc
        {
            PauseCount = gc.PauseCount,
            TotalPauseMs = Milliseconds.Round(gc.TotalPauseMs),
            MaxPauseMs = Milliseconds.Round(gc.MaxPauseMs),
            Pauses = pauses,
            PausesTruncated = gc.PauseCount > pauses.Count,
            ByGeneration = gc.ByGeneration.OrderBy(g => g.Key).Select(g => new ReportGcGeneration
            {
                Generation = g.Key,
                PauseCount = g.Value.Count,
                TotalPauseMs = Milliseconds.Round(g.Value.Total),
                MaxPauseMs = Milliseconds.Round(g.Value.Max),
            }).ToList(),
        };
    }

    private static List<ReportEndpoint> Endpoints(RequestTracker requests) => requests.Endpoints
        .OrderByDescending(e => e.Value.Application.Count)
        .Select(e => new ReportEndpoint
        {
            Name = e.Key, Count = e.Value.Application.Count, LatencyMs = Summary(e.Value.Application),
            Distribution = PercentileDistribution.Of(e.Value.Application),
        })
        .ToList();

    private static ReportTail Tail(TailShare tail) => new()
    {
        Percentile = tail.Percentile,
        ThresholdMs = Milliseconds.Round(tail.ThresholdMs),
        Requests = tail.Requests,
        Share = Shares(tail.Share),
        PrimaryShare = Shares(tail.PrimaryShare),
    };

    /// <summary>The report's fixed fields for the shares: a new cause adds its field here.</summary>
    private static ReportTailShare Shares(CauseShares shares) => new()
    {
        GcPause = shares[Cause.GcPause],
        ThreadPoolStarvation = shares[Cause.ThreadPoolStarvation],
        LockContention = shares[Cause.LockContention],
        Unexplained = shares[Cause.None],
    };

    private static ReportSlowRequest SlowRequest(SlowRequest r) => new()
    {
        StartMs = Milliseconds.Round(r.StartMs),
        DurationMs = Milliseconds.Round(r.DurationMs),
        Endpoint = r.Endpoint,
        Causes = Causes.NamesOf(r.Causes),
        GcPauseOverlapMs = Milliseconds.Round(r.OverlapMs(Cause.GcPause)),
        StarvationOverlapMs = Milliseconds.Round(r.OverlapMs(Cause.ThreadPoolStarvation)),
        ContentionOverlapMs = Milliseconds.Round(r.OverlapMs(Cause.LockContention)),
        PrimaryCause = Causes.NameOf(r.Primary),
        WaitMs = Milliseconds.Round(r.WaitMs),
        TotalMs = Milliseconds.Round(r.WaitMs + r.DurationMs),
    };

    // One site per user frame and rule: the JIT may inline the blocking API's own frames differently from one wait to the next
    // (`.Result` seen as `Task.Wait`), which must not split one call site in two; the site names its most frequent blocking call.
    private static List<ReportBlockingSite> BlockingSites(BlockingSiteTally tally) => tally.Sites
        .GroupBy(s => (s.Key.Frame, Rule: BlockingSiteRules.RuleFor(s.Key.Call ?? s.Key.Frame)))
        .Select(g =>
        {
            var call = g.OrderByDescending(s => s.Value).First().Key.Call;
            return new ReportBlockingSite
            {
                Frame = g.Key.Frame,
                BlockingCall = call,
                Count = g.Sum(s => s.Value),
                Rule = g.Key.Rule,
                Note = BlockingSiteRules.WhyIncomplete(g.Key.Frame, call, g.Key.Rule),
            };
        })
        .OrderByDescending(s => s.Count)
        .Take(MaxBlockingSitesListed)
        .ToList();

    private static ReportTimeline Timeline(RequestTracker requests) => new()
    {
        IntervalMs = requests.Timeline.IntervalMs,
        Points = requests.Timeline.Points
            .Select(p => new ReportTimelinePoint
            {
                StartMs = p.Index * requests.Timeline.IntervalMs,
                Count = p.Latency.Count,
                P50 = Milliseconds.Round(p.Latency.PercentileMs(50)),
                P99 = Milliseconds.Round(p.Latency.PercentileMs(99)),
                Max = Milliseconds.Round(p.Latency.MaxMs),
            })
            .ToList(),
        Requests = requests.TimelineRequests
            .Select(r => new ReportTimelineRequest
            {
                StartMs = Milliseconds.Round(r.StartMs), DurationMs = Milliseconds.Round(r.DurationMs), Endpoint = r.Endpoint,
            })
            .OrderBy(r => r.StartMs)
            .ToList(),
    };

    internal static LatencySummary Summary(LatencyRecorder latency) => latency.Count == 0
        ? LatencySummary.Empty
        : new LatencySummary
        {
            P50 = Milliseconds.Round(latency.PercentileMs(50)),
            P90 = Milliseconds.Round(latency.PercentileMs(90)),
            P99 = Milliseconds.Round(latency.PercentileMs(99)),
            P999 = Milliseconds.Round(latency.PercentileMs(99.9)),
            Max = Milliseconds.Round(latency.MaxMs),
        };
}
