using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.EventPipe;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Rules;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// Collects the sample profiler's stack samples (Microsoft-DotNETCore-SampleProfiler ThreadSample: every managed thread, running
/// or waiting, about every millisecond) and, when the stream ends, turns those of busy thread-pool workers into
/// <see cref="PoolThreadTime"/> per call site and slice of time, and long runs at one site into <see cref="MonopolizingWorkItem"/>s.
/// <para>
/// Bounded cost: each sample's stack is interned (one copy per distinct stack), and consecutive samples of a thread on the same
/// stack and state extend one segment rather than adding a record; at most <see cref="MaxSegments"/> segments are kept. Frames
/// are resolved only at the end, because methods jitted before the session are known only from the rundown.
/// </para>
/// <para>
/// Each sample stands for the time since the same thread's previous sample (the sampler suspends the runtime about every
/// millisecond, later under load); a gap longer than <see cref="MaxSampleGapMs"/> (the sampler stopped, or the thread was
/// not sampled) counts as one nominal interval.
/// </para>
/// </summary>
internal sealed class PoolSampleCollector
{
    private const int MaxFrames = 128;
    private const double NominalIntervalMs = 1;

    private readonly long[] _buffer = new long[MaxFrames];
    private readonly Dictionary<long[], int> _stackIds = new(FramesComparer.Instance);
    private readonly List<long[]> _stacks = [];
    private readonly Dictionary<int, int> _openSegment = [];
    private readonly List<Segment> _segments = [];
    private readonly MethodCodeMap _methods = new();
    private readonly SourceLines? _lines;

    public PoolSampleCollector(SourceLines? lines = null) => _lines = lines;

    public double MaxSampleGapMs { get; init; } = 250;

    public int MaxSegments { get; init; } = 1_000_000;

    public int MaxStacks { get; init; } = 100_000;

    /// <summary>Length of the slices <see cref="PoolThreadTime"/> sums over.</summary>
    public double SliceMs { get; init; } = 10;

    /// <summary>A run of one work item's user code at least this long is reported as monopolizing its thread.</summary>
    public double MonopolizingMs { get; init; } = 50;

    /// <summary>Every ThreadSample seen.</summary>
    public long Samples { get; private set; }

    /// <summary>Samples not kept: past <see cref="MaxSegments"/> or <see cref="MaxStacks"/>.</summary>
    public long DroppedSamples { get; private set; }

    /// <summary>Busy pool-worker samples whose site has no source line, per reason.</summary>
    public Dictionary<string, long> WithoutLine { get; } = [];

    public MethodCodeMap Methods => _methods;

    public void Subscribe(TraceEventDispatcher source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var profiler = new SampleProfilerTraceEventParser(source);
        profiler.ThreadSample += OnSample;
        _methods.Subscribe(source);
    }

    private void OnSample(ClrThreadSampleTraceData d)
    {
        Samples++;
        if (d.Type == ClrThreadSampleType.Error)
        {
            return;
        }

        var frames = EventStacks.Copy(d, _buffer);
        if (frames == 0)
        {
            return;
        }

        OnSample(d.ThreadID, d.TimeStampRelativeMSec, _buffer.AsSpan(0, frames), running: d.Type == ClrThreadSampleType.Managed);
    }

    /// <summary>One sample of <paramref name="thread"/> at <paramref name="timestampMs"/> (also the seam for tests).</summary>
    internal void OnSample(int thread, double timestampMs, ReadOnlySpan<long> frames, bool running)
    {
        var lookup = _stackIds.GetAlternateLookup<ReadOnlySpan<long>>();
        if (!lookup.TryGetValue(frames, out var stack))
        {
            if (_stacks.Count >= MaxStacks)
            {
                DroppedSamples++;
                return;
            }

            stack = _stacks.Count;
            var copy = frames.ToArray();
            _stacks.Add(copy);
            _stackIds[copy] = stack;
        }

        if (_openSegment.TryGetValue(thread, out var open))
        {
            ref var last = ref CollectionsMarshal.AsSpan(_segments)[open];
            var gap = timestampMs - last.EndMs;
            var weight = gap >= 0 && gap <= MaxSampleGapMs ? gap : NominalIntervalMs;
            if (last.Stack == stack && last.Running == running && gap >= 0 && gap <= MaxSampleGapMs)
            {
                last.EndMs = timestampMs;
                last.WeightMs += weight;
                last.Samples++;
                return;
            }

            Add(thread, timestampMs, stack, running, weight);
            return;
        }

        Add(thread, timestampMs, stack, running, NominalIntervalMs);
    }

    private void Add(int thread, double timestampMs, int stack, bool running, double weight)
    {
        if (_segments.Count >= MaxSegments)
        {
            DroppedSamples++;
            return;
        }

        _openSegment[thread] = _segments.Count;
        _segments.Add(new Segment
        {
            Thread = thread, Stack = stack, Running = running, StartMs = timestampMs - weight, EndMs = timestampMs, WeightMs = weight,
            Samples = 1,
        });
    }

    /// <summary>
    /// Resolves the stacks and emits what the busy pool workers were doing, per site and slice, and their monopolizing runs;
    /// timestamps shifted by <paramref name="offsetMs"/> onto the session the sink counts time in.
    /// </summary>
    public void Complete(double offsetMs, IProbeEventSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var holders = ResolveStacks();
        EmitSlices(holders, offsetMs, sink);
        EmitMonopolizing(holders, offsetMs, sink);
    }

    private ResolvedHolder?[] ResolveStacks()
    {
        var resolved = new ResolvedHolder?[_stacks.Count];
        var names = new List<string?>(MaxFrames);
        var codes = new List<MethodCode?>(MaxFrames);
        for (var s = 0; s < _stacks.Count; s++)
        {
            names.Clear();
            codes.Clear();
            foreach (var address in _stacks[s])
            {
                var code = _methods.Resolve((ulong)address);
                codes.Add(code);
                names.Add(code?.Name);
            }

            var holder = PoolHolderRules.Classify(names);
            if (holder.Kind != PoolHolderRules.StackKind.Busy)
            {
                continue;
            }

            SourceLine? line = null;
            if (holder.SiteFrame >= 0 && codes[holder.SiteFrame] is { } siteCode)
            {
                line = _lines?.Resolve(_methods, siteCode, (ulong)_stacks[s][holder.SiteFrame]);
            }

            resolved[s] = new ResolvedHolder(holder, line);
        }

        return resolved;
    }

    private void EmitSlices(ResolvedHolder?[] holders, double offsetMs, IProbeEventSink sink)
    {
        var slices = new Dictionary<(int Stack, bool Running, long Slice), (double Ms, int Samples)>();
        foreach (var segment in _segments)
        {
            if (holders[segment.Stack] is null)
            {
                continue;
            }

            // The segment's time spread evenly over the slices it covers; its samples counted in the slice it ends in.
            var length = segment.EndMs - segment.StartMs;
            var first = (long)Math.Floor(segment.StartMs / SliceMs);
            var last = (long)Math.Floor(segment.EndMs / SliceMs);
            for (var slice = first; slice <= last; slice++)
            {
                var overlap = length <= 0 ? segment.WeightMs
                    : (Math.Min(segment.EndMs, (slice + 1) * SliceMs) - Math.Max(segment.StartMs, slice * SliceMs)) / length * segment.WeightMs;
                var key = (segment.Stack, segment.Running, slice);
                var sum = slices.GetValueOrDefault(key);
                slices[key] = (sum.Ms + overlap, sum.Samples + (slice == last ? segment.Samples : 0));
            }
        }

        // Stacks that share a site, call and line merge into one event per slice.
        var merged = new Dictionary<(string? Site, string? Call, bool Running, SourceLine? Line, long Slice), (double Ms, int Samples)>();
        foreach (var ((stack, running, slice), value) in slices)
        {
            var h = holders[stack]!;
            var key = (h.Holder.Site, h.Holder.CallFor(running), running, h.Line, slice);
            var sum = merged.GetValueOrDefault(key);
            merged[key] = (sum.Ms + value.Ms, sum.Samples + value.Samples);
            if (h.Holder.Site is not null && h.Line is { File: null, Reason: { } reason })
            {
                WithoutLine[reason] = WithoutLine.GetValueOrDefault(reason) + value.Samples;
            }
        }

        foreach (var ((site, call, running, line, slice), value) in merged.OrderBy(m => m.Key.Slice))
        {
            sink.Process(new PoolThreadTime(slice * SliceMs + offsetMs, SliceMs, site, call, running, value.Ms, value.Samples,
                line?.File, line?.Line, line?.Reason));
        }
    }

    /// <summary>
    /// Consecutive segments of one thread at the same user site, without a gap, are one run of a work item's user code (back
    /// to back items at the same site with no sample between them read as one run).
    /// </summary>
    private void EmitMonopolizing(ResolvedHolder?[] holders, double offsetMs, IProbeEventSink sink)
    {
        var runs = new Dictionary<int, (string Site, SourceLine? Line, double Start, double End)>();
        void Close(int thread)
        {
            if (runs.Remove(thread, out var run) && run.End - run.Start >= MonopolizingMs)
            {
                sink.Process(new MonopolizingWorkItem(run.Start + offsetMs, run.Site, run.End - run.Start, run.Line?.File, run.Line?.Line));
            }
        }

        foreach (var segment in _segments)
        {
            var site = holders[segment.Stack]?.Holder.Site;
            if (runs.TryGetValue(segment.Thread, out var run))
            {
                if (site == run.Site && segment.StartMs - run.End <= MaxSampleGapMs)
                {
                    runs[segment.Thread] = run with { End = segment.EndMs };
                    continue;
                }

                Close(segment.Thread);
            }

            if (site is not null)
            {
                runs[segment.Thread] = (site, holders[segment.Stack]!.Line, segment.StartMs, segment.EndMs);
            }
        }

        foreach (var thread in runs.Keys.ToList())
        {
            Close(thread);
        }
    }

    /// <summary>What the report should say about pool holders, when something limited them.</summary>
    public IReadOnlyList<string> Notes()
    {
        var notes = new List<string>();
        if (Samples > 0 && _methods.Count == 0)
        {
            notes.Add("Thread samples were taken but no method load or rundown events came with them: their stacks cannot be resolved.");
        }

        if (DroppedSamples > 0)
        {
            notes.Add($"{DroppedSamples} thread samples were not kept: more than {MaxSegments} runs or {MaxStacks} distinct stacks.");
        }

        foreach (var (reason, samples) in WithoutLine.OrderByDescending(w => w.Value))
        {
            notes.Add($"{samples} pool-thread samples stay without a source line: {reason}.");
        }

        return notes;
    }

    private sealed record ResolvedHolder(PoolHolderRules.Holder Holder, SourceLine? Line);

    private struct Segment
    {
        public int Thread;
        public int Stack;
        public bool Running;
        public int Samples;
        public double StartMs;
        public double EndMs;
        public double WeightMs;
    }

    private sealed class FramesComparer : IEqualityComparer<long[]>, IAlternateEqualityComparer<ReadOnlySpan<long>, long[]>
    {
        public static readonly FramesComparer Instance = new();

        public bool Equals(long[]? x, long[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(long[] obj) => GetHashCode((ReadOnlySpan<long>)obj);

        public bool Equals(ReadOnlySpan<long> alternate, long[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<long> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(MemoryMarshal.AsBytes(alternate));
            return hash.ToHashCode();
        }

        public long[] Create(ReadOnlySpan<long> alternate) => alternate.ToArray();
    }
}
