using TailGuard.Samples.LoadDriver;

namespace TailGuard.Samples.Demo;

/// <summary>The demo's settings; the defaults are the figures the README quotes.</summary>
internal sealed record DemoOptions
{
    /// <summary>
    /// Requests per second in every phase. On the 2-core machine this was chosen on, this rate keeps both cores partly busy
    /// (service, load driver and probe together) without saturating them, so the adversarial phase's tail is the patterns'
    /// doing, not the machine's (samples/README.md has the measurements).
    /// </summary>
    public const double DefaultRate = 1000;

    public double Rate { get; init; } = DefaultRate;

    public TimeSpan PhaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Load before the first phase: half of it every endpoint at a low rate (JIT) before the probe attaches, then full-rate
    /// /healthy until a second of it has a P99 under <see cref="WarmupTargetP99Ms"/>, once before attaching and once after (the
    /// attach's own hiccup); each of those at most half of <see cref="MaxWarmup"/>.
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(4);

    public TimeSpan MaxWarmup { get; init; } = TimeSpan.FromSeconds(20);

    public double WarmupTargetP99Ms { get; init; } = 20;

    /// <summary>
    /// Idle time between phases, so that a GC or a starved pool left over from one phase has ended before the next one starts
    /// and each phase's window of the trace holds only its own requests.
    /// </summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>Upstream wait of the sync-over-async and synchronous-I/O endpoints (the service's <c>Workload:BlockingDelayMs</c>).</summary>
    public int BlockingDelayMs { get; init; } = 10;

    /// <summary>
    /// Upstream wait of the other endpoints (<c>Workload:InputDelayMs</c>). Zero still makes a real loopback round trip, so their
    /// awaits really suspend; it keeps their fixed versions sub-millisecond, so they can carry a few percent of the traffic.
    /// </summary>
    public int InputDelayMs { get; init; }

    /// <summary>The service's port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>A dotnet-tailguard.dll to use instead of the one built from src/Tool.</summary>
    public string? ProbePath { get; init; }

    public string? OutputDirectory { get; init; }

    /// <summary>Skip the analyzer recompile (step 1), e.g. when only the runtime figures are wanted.</summary>
    public bool SkipFind { get; init; }

    public bool IsQuick { get; init; }

    public static DemoOptions Quick(DemoOptions options) => options with
    {
        IsQuick = true,
        PhaseDuration = TimeSpan.FromSeconds(3),
        Warmup = TimeSpan.FromSeconds(2),
        MaxWarmup = TimeSpan.FromSeconds(8),
        Settle = TimeSpan.FromSeconds(1),
    };

    /// <summary>Load plus idle time the probe has to stay attached for, used as its safety cap.</summary>
    public TimeSpan PlannedLoadTime => MaxWarmup + ((PhaseDuration + Settle) * Phases.All.Count);
}

/// <summary>One phase: a name, what it sends, and why.</summary>
internal sealed record Phase(string Name, string Description, IReadOnlyList<LoadTarget> Mix);

/// <summary>The traffic of each phase.</summary>
internal static class Phases
{
    public const string Baseline = "baseline";
    public const string Adversarial = "adversarial";
    public const string Fixed = "fixed";

    /// <summary>
    /// The adversarial endpoints, each carrying one pattern, the rules that catch it, and its share of the mixed phases' traffic
    /// in percent. The endpoints that take about 10 ms by design (they wait for the upstream, or compute) stay below 1% together,
    /// so the fixed phase's P99 measures the service rather than the work it was asked to do (they land at its P99.9); the
    /// allocation patterns, whose fixed versions are sub-millisecond, carry the weight: memory pressure, as in the study the
    /// README cites. At 4% the large-object allocations alone collapsed the service (a gen2 GC every 0.1 s, 5 s timeouts).
    /// </summary>
    public static readonly (string Route, string[] Rules, double SharePercent)[] Patterns =
    [
        ("sync-over-async", ["TG1001"], 0.3),
        ("sync-io", ["TG1003"], 0.3),
        ("cpu-loop", ["TG2001"], 0.2),
        ("loh-allocation", ["TG4001"], 2),
        ("bloated-state-machine", ["TG3001", "TG3002"], 2),
    ];

    public static IReadOnlyList<Phase> All { get; } =
    [
        new(Baseline, "/healthy only", [new LoadTarget("/healthy", 100)]),
        new(Adversarial, $"/healthy + the /bad endpoints, {Patterns.Sum(pattern => pattern.SharePercent):0.#}% of requests", Mixed("/bad")),
        new(Fixed, $"the same mix against the /fixed endpoints", Mixed("/fixed")),
    ];

    /// <summary>Every rule whose fix the fixed phase applies, in id order: TG1001/TG1003/...</summary>
    public static string FixedRules => string.Join("/", Patterns.SelectMany(pattern => pattern.Rules).Order(StringComparer.Ordinal));

    private static LoadTarget[] Mixed(string prefix) =>
    [
        new("/healthy", 100 - Patterns.Sum(pattern => pattern.SharePercent)),
        .. Patterns.Select(pattern => new LoadTarget($"{prefix}/{pattern.Route}", pattern.SharePercent)),
    ];
}
