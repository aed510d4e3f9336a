using System.Globalization;
using System.Text.RegularExpressions;

namespace TailGuard.Monitor;

/// <summary>What a trigger watches.</summary>
public enum TriggerKind
{
    /// <summary>The request latency percentile over the rolling window is above the threshold.</summary>
    Percentile,

    /// <summary>A starvation episode ended (or was still going on at a window's end) within the rolling window.</summary>
    Starvation,

    /// <summary>A GC pause longer than the threshold ended within the rolling window.</summary>
    GcPause,
}

/// <summary>
/// One <c>--trigger</c>: <c>p99&gt;50ms for 30s</c> (also p50, p90, p999), <c>starvation</c>, <c>gcpause&gt;100ms</c>; each
/// optionally <c>for DURATION</c>, the rolling window it is evaluated over (default 30 s).
/// </summary>
public sealed partial record TriggerRule(string Text, TriggerKind Kind, double Percentile, double ThresholdMs, double RollingMs)
{
    public const double DefaultRollingMs = 30_000;

    [GeneratedRegex(@"^\s*(?<what>p50|p90|p99|p999|starvation|gcpause)\s*(>\s*(?<value>\d+(\.\d+)?)\s*(?<unit>us|ms|s))?\s*(for\s+(?<for>\d+(\.\d+)?)\s*(?<forunit>ms|s|m|h))?\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Syntax();

    /// <summary>Parses one trigger; a <see cref="FormatException"/> says what is accepted.</summary>
    public static TriggerRule Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var m = Syntax().Match(text);
        if (!m.Success)
        {
            throw new FormatException(
                $"'{text}' is not a trigger: give p99>50ms (p50, p90, p99, p999; units us, ms, s), starvation or gcpause>100ms, each optionally 'for 30s'.");
        }

        var what = m.Groups["what"].Value.ToLowerInvariant();
        double? threshold = m.Groups["value"].Success
            ? double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture) * UnitMs(m.Groups["unit"].Value)
            : null;
        var rolling = m.Groups["for"].Success
            ? double.Parse(m.Groups["for"].Value, CultureInfo.InvariantCulture) * UnitMs(m.Groups["forunit"].Value)
            : DefaultRollingMs;
        if (rolling < 1_000)
        {
            throw new FormatException($"'{text}': the rolling window ('for') must be at least 1s.");
        }

        return what switch
        {
            "starvation" when threshold is null => new TriggerRule(text.Trim(), TriggerKind.Starvation, 0, 0, rolling),
            "starvation" => throw new FormatException($"'{text}': starvation takes no threshold ('starvation' or 'starvation for 60s')."),
            "gcpause" when threshold is { } t => new TriggerRule(text.Trim(), TriggerKind.GcPause, 0, t, rolling),
            _ when threshold is { } t && what != "gcpause" => new TriggerRule(text.Trim(), TriggerKind.Percentile,
                what switch { "p50" => 50, "p90" => 90, "p99" => 99, _ => 99.9 }, t, rolling),
            _ => throw new FormatException($"'{text}': {what} needs a threshold ({what}>50ms)."),
        };
    }

    private static double UnitMs(string unit) => unit.ToLowerInvariant() switch
    {
        "us" => 0.001,
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => throw new FormatException($"Unknown unit '{unit}'."),
    };
}
