using TailGuard.Samples.LoadDriver;

namespace TailGuard.Samples.Demo;

/// <summary>The demo's settings; the defaults are the figures the README quotes.</summary>
internal sealed record DemoOptions
{
    /// <summary>
    /// Requests per second in every phase. On the 2-core machine this was chosen on, the baseline at this rate keeps both cores
    /// partly busy (service, load driver and probe together) without saturating them: the fixed phase stays in the sub-5 ms P99
    /// column, so the adversarial phase's tail is the patterns' doing, not the machine's.
    /// </summary>
    public const double DefaultRate = 1000;

    public double Rate { get; init; } = DefaultRate;

    public TimeSpan PhaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Time between attaching the probe and starting the load, so the session is up before the first request.</summary>
    public TimeSpan ProbeLeadIn { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    public string? ProbePath { get; init; }

    public string? OutputDirectory { get; init; }

    public static DemoOptions Quick(DemoOptions options) => options with
    {
        PhaseDuration = TimeSpan.FromSeconds(4),
        ProbeLeadIn = TimeSpan.FromSeconds(1.5),
        Warmup = TimeSpan.FromSeconds(1.5),
    };
}

/// <summary>One phase: a name, what it sends, and why.</summary>
internal sealed record Phase(string Name, string Description, IReadOnlyList<LoadTarget> Mix);

/// <summary>The traffic of each phase.</summary>
internal static class Phases
{
    /// <summary>The adversarial endpoints, each carrying one pattern, and the rule that catches it.</summary>
    public static readonly (string Route, string Rules)[] Patterns =
    [
        ("sync-over-async", "TG1001"),
        ("sync-io", "TG1003"),
        ("cpu-loop", "TG2001"),
        ("loh-allocation", "TG4001"),
        ("bloated-state-machine", "TG3001/TG3002"),
    ];

    /// <summary>Share of the traffic each adversarial (or fixed) endpoint gets in the mixed phases, in percent.</summary>
    public const double PatternSharePercent = 1;

    public static IReadOnlyList<Phase> All { get; } =
    [
        new("baseline", "healthy endpoint only", [new LoadTarget("/healthy", 100)]),
        new("adversarial", $"healthy + each bad endpoint at {PatternSharePercent:0.#}% of requests", Mixed("/bad")),
        new("fixed", "the same mix against the fixed endpoints", Mixed("/fixed")),
    ];

    private static LoadTarget[] Mixed(string prefix) =>
    [
        new("/healthy", 100 - (PatternSharePercent * Patterns.Length)),
        .. Patterns.Select(pattern => new LoadTarget($"{prefix}/{pattern.Route}", PatternSharePercent)),
    ];
}
