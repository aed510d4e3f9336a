using System.Globalization;

namespace TailGuard.Samples.LoadDriver;

/// <summary>One path of the traffic mix and its relative weight.</summary>
public sealed record LoadTarget(string Path, double Weight)
{
    /// <summary>
    /// Parses <c>/path=weight</c>, or a bare <c>/path</c> with weight 1. In a path with a query, an <c>=</c> that completes
    /// the query's last <c>key=value</c> pair belongs to the query (<c>/work?ms=1</c> is one path of weight 1); a weight then
    /// follows the whole pair (<c>/work?ms=1=3</c>).
    /// </summary>
    public static LoadTarget Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var separator = text.LastIndexOf('=');
        if (separator < 0 || CompletesQueryPair(text, separator))
        {
            return new LoadTarget(NormalizePath(text), 1);
        }

        var weightText = text[(separator + 1)..];
        if (!double.TryParse(weightText, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || weight <= 0 || !double.IsFinite(weight))
        {
            throw new FormatException($"'{text}': the weight after '=' must be a positive number.");
        }

        return new LoadTarget(NormalizePath(text[..separator]), weight);
    }

    /// <summary>True when the <c>=</c> at <paramref name="separator"/> joins the last key of the query to its value.</summary>
    private static bool CompletesQueryPair(string text, int separator)
    {
        var query = text.IndexOf('?', StringComparison.Ordinal);
        if (query < 0 || query > separator)
        {
            return false;
        }

        var pairStart = text.LastIndexOfAny(['?', '&'], separator - 1) + 1;
        return text.IndexOf('=', pairStart, separator - pairStart) < 0;
    }

    private static string NormalizePath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new FormatException("A target path cannot be empty.");
        }

        return path.StartsWith('/') ? path : "/" + path;
    }
}

/// <summary>What to send: where, how fast, for how long, and which paths in which proportions.</summary>
public sealed record LoadPlan
{
    public required Uri BaseAddress { get; init; }

    /// <summary>Requests started per second, whatever the latency (open loop).</summary>
    public required double RatePerSecond { get; init; }

    public required TimeSpan Duration { get; init; }

    public required IReadOnlyList<LoadTarget> Mix { get; init; }

    /// <summary>A request still unanswered after this long is cancelled and counted as a timeout.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Sending at the same rate for this long before the measured run, whose counts and percentiles leave it out: a fresh
    /// client's first second (JIT, a burst of new connections) otherwise lands in the measured tail.
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.Zero;

    /// <summary>Seed of the path choice, so that a run sends the same sequence of paths again.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Total number of requests the plan sends.</summary>
    public long RequestCount => (long)Math.Round(RatePerSecond * Duration.TotalSeconds);

    public void Validate()
    {
        if (!BaseAddress.IsAbsoluteUri)
        {
            throw new ArgumentException("The target must be an absolute URL.", nameof(BaseAddress));
        }

        if (RatePerSecond is <= 0 or > 1_000_000 || !double.IsFinite(RatePerSecond))
        {
            throw new ArgumentException("The rate must be between 0 and 1,000,000 requests per second.", nameof(RatePerSecond));
        }

        if (Duration <= TimeSpan.Zero)
        {
            throw new ArgumentException("The duration must be positive.", nameof(Duration));
        }

        if (Mix.Count == 0)
        {
            throw new ArgumentException("The mix needs at least one path.", nameof(Mix));
        }

        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("The timeout must be positive.", nameof(Timeout));
        }

        if (Warmup < TimeSpan.Zero)
        {
            throw new ArgumentException("The warm-up cannot be negative.", nameof(Warmup));
        }
    }
}
