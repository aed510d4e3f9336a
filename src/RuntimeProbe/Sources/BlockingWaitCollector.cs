using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using TailGuard.RuntimeProbe.Events;
using TailGuard.RuntimeProbe.Rules;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// Collects the stacks of long waits on thread-pool threads (WaitHandleWaitStart/Stop, .NET 9 and later) and resolves them to
/// call sites when the stream ends.
/// <para>
/// Bounded cost: a wait's stack is copied into its thread's one reusable buffer at WaitHandleWaitStart and kept only when the
/// wait lasts at least <see cref="MinWaitMs"/> (a pool thread blocked that long is what starves the pool; shorter waits are
/// the runtime's and libraries' normal hand-offs). Kept stacks are counted per distinct stack (at most
/// <see cref="MaxStacks"/>), not per wait. Frames are resolved only at the end, because the methods jitted before the session
/// are known only from the rundown that EventPipe sends when the session stops.
/// </para>
/// <para>
/// Pool threads: a thread seen in ThreadPoolWorkerThreadStart/Wait, or a stack based on the pool's dispatch loop (threads
/// that started before the session and never went idle during it are known only by their stack).
/// </para>
/// </summary>
internal sealed class BlockingWaitCollector
{
    /// <summary>EventPipe walks at most 100 frames.</summary>
    private const int MaxFrames = 128;

    private const int MaxPendingThreads = 4_096;

    private readonly Dictionary<int, PendingWait> _pending = [];
    private readonly HashSet<int> _poolThreads = [];
    private readonly Dictionary<long[], StackCount> _stacks = new(FramesComparer.Instance);
    private readonly MethodAddressMap _methods = new();

    public double MinWaitMs { get; init; } = 10;

    public int MaxStacks { get; init; } = 4_096;

    /// <summary>Every WaitHandleWaitStart seen (also on threads that are not the pool's).</summary>
    public long WaitsSeen { get; private set; }

    /// <summary>Waits at least <see cref="MinWaitMs"/> long that carried a stack.</summary>
    public long LongWaits { get; private set; }

    /// <summary>Long waits not counted because <see cref="MaxStacks"/> distinct stacks were already held.</summary>
    public long DroppedWaits { get; private set; }

    public int MethodCount => _methods.Count;

    /// <summary>Long waits on known pool threads whose stack resolved to no call site (for example when the rundown was cut off).</summary>
    public long UnresolvedWaits { get; private set; }

    public void Subscribe(TraceEventDispatcher source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var clr = source.Clr;
        clr.WaitHandleWaitStart += OnWaitStart;
        clr.WaitHandleWaitStop += d => OnWaitStop(d.ThreadID, d.TimeStampRelativeMSec);
        clr.ThreadPoolWorkerThreadStart += d => _poolThreads.Add(d.ThreadID);
        clr.ThreadPoolWorkerThreadWait += d => _poolThreads.Add(d.ThreadID);
        clr.ThreadPoolWorkerThreadStop += d => _poolThreads.Remove(d.ThreadID);
        clr.MethodLoadVerbose += OnMethod;
        var rundown = new ClrRundownTraceEventParser(source);
        rundown.MethodDCStopVerbose += OnMethod;
        rundown.MethodDCStartVerbose += OnMethod;
    }

    private void OnMethod(MethodLoadUnloadVerboseTraceData d) =>
        _methods.Add(d.MethodStartAddress, d.MethodSize, d.MethodNamespace, d.MethodName);

    private void OnWaitStart(WaitHandleWaitStartTraceData d)
    {
        WaitsSeen++;
        if (!_pending.TryGetValue(d.ThreadID, out var wait))
        {
            if (_pending.Count >= MaxPendingThreads)
            {
                return;
            }

            wait = new PendingWait();
            _pending[d.ThreadID] = wait;
        }

        wait.StartMs = d.TimeStampRelativeMSec;
        wait.Frames = EventStacks.Copy(d, wait.Buffer);
        wait.Open = wait.Frames > 0;
    }

    internal void OnWaitStop(int threadId, double timestampMs)
    {
        if (_pending.TryGetValue(threadId, out var wait) && wait.Open)
        {
            wait.Open = false;
            if (timestampMs - wait.StartMs >= MinWaitMs)
            {
                Count(threadId, wait);
            }
        }
    }

    private void Count(int threadId, PendingWait wait)
    {
        LongWaits++;
        var key = wait.Buffer.AsSpan(0, wait.Frames).ToArray();
        if (!_stacks.TryGetValue(key, out var count))
        {
            if (_stacks.Count >= MaxStacks)
            {
                DroppedWaits++;
                return;
            }

            count = new StackCount();
            _stacks[key] = count;
        }

        count.Waits++;
        if (_poolThreads.Contains(threadId))
        {
            count.OnKnownPoolThreads++;
        }
    }

    /// <summary>
    /// Counts the waits still blocked at <paramref name="endMs"/>, resolves every kept stack and emits one
    /// <see cref="BlockingWait"/> per stack that belongs to a pool thread and has a call site.
    /// </summary>
    public void Complete(double endMs, IProbeEventSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        foreach (var (thread, wait) in _pending)
        {
            if (wait.Open && endMs - wait.StartMs >= MinWaitMs)
            {
                wait.Open = false;
                Count(thread, wait);
            }
        }

        var names = new List<string?>(MaxFrames);
        foreach (var (frames, count) in _stacks)
        {
            names.Clear();
            var onPool = false;
            foreach (var address in frames)
            {
                var name = _methods.Resolve((ulong)address);
                names.Add(name);
                onPool |= name is not null && BlockingSiteRules.IsThreadPoolDispatch(name);
            }

            var waits = onPool ? count.Waits : count.OnKnownPoolThreads;
            if (waits > 0 && BlockingSiteRules.Classify(names) is { } site)
            {
                sink.Process(new BlockingWait(endMs, 0, site.Frame, site.BlockingCall, waits));
            }
            else if (count.OnKnownPoolThreads > 0)
            {
                UnresolvedWaits += count.OnKnownPoolThreads;
            }
        }
    }

    /// <summary>What the report should say about blocking call sites, when something limited them.</summary>
    public IReadOnlyList<string> Notes()
    {
        var notes = new List<string>();
        if (WaitsSeen == 0)
        {
            notes.Add("No WaitHandleWait events were seen: blocking call sites need a .NET 9 or later target and the runtime provider's " +
                      "WaitHandle keyword (0x40000000000) at level Verbose.");
        }
        else if (LongWaits > 0 && _methods.Count == 0)
        {
            notes.Add("Blocking waits were seen but no method load or rundown events: their stacks cannot be resolved (collect with the " +
                      "Loader and Jit keywords and with rundown).");
        }
        else if (UnresolvedWaits > 0)
        {
            notes.Add($"{UnresolvedWaits} waits of at least {MinWaitMs} ms on pool threads have stacks that resolved to no call site " +
                      "(methods missing from the rundown, or native code only).");
        }

        if (DroppedWaits > 0)
        {
            notes.Add($"{DroppedWaits} long waits were not attributed: more than {MaxStacks} distinct blocking stacks.");
        }

        return notes;
    }

    private sealed class PendingWait
    {
        public readonly long[] Buffer = new long[MaxFrames];
        public double StartMs;
        public int Frames;
        public bool Open;
    }

    private sealed class StackCount
    {
        public long Waits;
        public long OnKnownPoolThreads;
    }

    private sealed class FramesComparer : IEqualityComparer<long[]>
    {
        public static readonly FramesComparer Instance = new();

        public bool Equals(long[]? x, long[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(long[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(obj.AsSpan()));
            return hash.ToHashCode();
        }
    }
}
