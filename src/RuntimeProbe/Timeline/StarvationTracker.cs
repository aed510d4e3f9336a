using TailGuard.RuntimeProbe.Events;

namespace TailGuard.RuntimeProbe.Timeline;

/// <summary>
/// Thread-pool starvation episodes. The evidence is the pool's Starvation and CooperativeBlocking adjustments and a non-empty
/// pool queue in the counters: an episode starts <see cref="StarvationSettings.LeadMs"/> before its first adjustment (the gate
/// thread was slow to see it), or earlier when the queue was already non-empty; work that waited in the queue past a threshold
/// (FrameworkEventSource's enqueue/dequeue pairs) is evidence too, for a pool that raises no adjustment. An episode lasts while
/// evidence keeps coming less than <see cref="StarvationSettings.GapMs"/> apart; it ends at the first empty-queue sample, or a lead after the last evidence.
/// </summary>
internal sealed class StarvationTracker(StarvationSettings settings, IMeasurementListener? listener = null)
{
    private Episode? _episode;
    private readonly List<StarvationEpisode> _listed = [];
    private double? _queueNonEmptySince;

    /// <summary>The closed episodes that requests in flight may overlap, and the open one.</summary>
    public IntervalWindow Windows { get; } = new();

    /// <summary>Closed episodes, also those past the listing limit.</summary>
    public int ClosedEpisodes { get; private set; }

    public bool Starving => _episode is not null;

    public int StarvationAdjustments { get; private set; }

    public int CooperativeBlockingAdjustments { get; private set; }

    /// <summary>Work items that waited in the queue past the stall threshold, or checks that found the queue stalled.</summary>
    public int QueueWaitEvidence { get; private set; }

    /// <summary>Closed episodes without any Starvation or CooperativeBlocking adjustment: the pool added no thread (at its limit?).</summary>
    public int EpisodesWithoutAdjustment { get; private set; }

    /// <summary>The first episodes, at most <see cref="StarvationSettings.MaxEpisodesListed"/>, in time order.</summary>
    public IReadOnlyList<StarvationEpisode> Listed => _listed;

    /// <param name="threadsBefore">The pool's worker-thread count before this adjustment, when known.</param>
    public void On(ThreadPoolAdjustment s, int? threadsBefore)
    {
        if (s.Reason is not (ThreadAdjustmentReason.Starvation or ThreadAdjustmentReason.CooperativeBlocking))
        {
            return;
        }

        var ts = s.TimestampMs;
        if (s.Reason == ThreadAdjustmentReason.Starvation)
        {
            StarvationAdjustments++;
        }
        else
        {
            CooperativeBlockingAdjustments++;
        }

        Evidence(ts, ts - settings.LeadMs, threadsBefore, s.NewWorkerThreadCount, adjustment: true);
    }

    /// <summary>
    /// Work waited in the pool's queue from <paramref name="queuedSinceMs"/> to <paramref name="ts"/> (a dequeue that came that
    /// late, or a queue that stalled): the pool was saturated, whether or not it raised an adjustment. A pool already at its
    /// maximum threads, or deadlocked, raises none, so this is the only evidence of it. The episode starts when the work was
    /// queued, at most <see cref="StarvationSettings.MaxBackdateMs"/> earlier.
    /// </summary>
    public void OnQueueWait(double queuedSinceMs, double ts)
    {
        QueueWaitEvidence++;
        Evidence(ts, Math.Max(queuedSinceMs, ts - settings.MaxBackdateMs), threadsBefore: null, threads: 0, adjustment: false);
    }

    private void Evidence(double ts, double earliestStart, int? threadsBefore, int threads, bool adjustment)
    {
        if (_episode is { } open && ts - open.LastEvidence <= settings.GapMs)
        {
            open.LastEvidence = Math.Max(open.LastEvidence, ts);
            open.Adjustments += adjustment ? 1 : 0;
            open.MaxThreads = Math.Max(open.MaxThreads, threads);
            Windows.ExtendOpen(open.LastEvidence + settings.LeadMs);
            return;
        }

        if (_episode is not null)
        {
            Close(ongoing: false, endOverride: null);
        }

        // Never before the end of the previous episode, as listed (to the microsecond; past the listing limit, the last one
        // listed).
        var previousEnd = _listed.Count > 0 ? Milliseconds.Round(_listed[^1].EndMs) : 0;
        var start = earliestStart;
        if (_queueNonEmptySince is { } since)
        {
            start = Math.Min(start, Math.Max(since, ts - settings.MaxBackdateMs));
        }

        start = Math.Max(Math.Max(0, start), previousEnd);
        _episode = new Episode
        {
            Start = start,
            LastEvidence = ts,
            Adjustments = adjustment ? 1 : 0,
            ThreadsBefore = threadsBefore,
            MaxThreads = threads,
        };
        Windows.Open(start, ts + settings.LeadMs);
    }

    /// <summary>
    /// A non-empty queue keeps an open episode going (work still waits for a thread); an empty one ends it, once the last
    /// injection is older than the gate thread's period.
    /// </summary>
    public void On(RuntimeCounter s)
    {
        if (s.Name != CounterNames.ThreadPoolQueueLength)
        {
            return;
        }

        var ts = s.TimestampMs;
        if (s.Value >= 1)
        {
            _queueNonEmptySince ??= ts;
            if (_episode is { } open && ts - open.LastEvidence <= settings.GapMs)
            {
                open.LastEvidence = Math.Max(open.LastEvidence, ts);
                Windows.ExtendOpen(open.LastEvidence + settings.LeadMs);
            }

            return;
        }

        _queueNonEmptySince = null;
        if (_episode is { } episode && ts - episode.LastEvidence > settings.LeadMs)
        {
            Close(ongoing: false, endOverride: ts);
        }
    }

    /// <summary>The stream moved on to <paramref name="now"/>: an episode without evidence for longer than the gap is over.</summary>
    public void Advance(double now)
    {
        if (_episode is { } open && now - open.LastEvidence > settings.GapMs)
        {
            Close(ongoing: false, endOverride: null);
        }
    }

    /// <summary>The session ends: an episode with recent evidence is still going on and ends at <paramref name="endMs"/>.</summary>
    public void End(double endMs)
    {
        if (_episode is { } open)
        {
            var ongoing = endMs - open.LastEvidence <= settings.GapMs;
            Close(ongoing, ongoing ? endMs : null);
        }
    }

    private void Close(bool ongoing, double? endOverride)
    {
        var open = _episode!;
        _episode = null;
        var end = endOverride ?? open.LastEvidence + settings.LeadMs;
        Windows.CloseOpen();
        Windows.Add(new Interval(open.Start, end));
        ClosedEpisodes++;
        listener?.StarvationEpisode(open.Start, end, ongoing);
        EpisodesWithoutAdjustment += open.Adjustments == 0 ? 1 : 0;
        var injected = open.ThreadsBefore is { } before && open.MaxThreads > before
            ? open.MaxThreads - before
            : open.Adjustments;
        if (_listed.Count < settings.MaxEpisodesListed)
        {
            _listed.Add(new StarvationEpisode(open.Start, end, injected, ongoing));
        }
    }

    private sealed class Episode
    {
        public double Start { get; init; }
        public double LastEvidence { get; set; }
        public int Adjustments { get; set; }
        public int? ThreadsBefore { get; init; }
        public int MaxThreads { get; set; }
    }
}

/// <summary>What shapes starvation episodes (see <c>CorrelatorOptions</c> for why each is what it is).</summary>
internal sealed record StarvationSettings(double LeadMs, double GapMs, double MaxBackdateMs, int MaxEpisodesListed);

/// <summary>One starvation episode: its window, the threads the pool injected during it, and whether it was still going on.</summary>
internal sealed record StarvationEpisode(double StartMs, double EndMs, int ThreadsInjected, bool Ongoing);
