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

/// <summary>
/// Requests to one path that all mean to start at the same instant, on top of the steady rate: what a batch job, a cache
/// refill or a retry storm sends. Their latency runs from that instant, like every other request's from its intended start.
/// </summary>
public sealed record LoadBurst(TimeSpan At, string Path, int Requests)
{
    /// <summary>Parses <c>/path=count@time</c> (<c>/bad/sync-io=48@2s</c>); a bare <c>/path@time</c> is one request.</summary>
    public static LoadBurst Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var separator = text.LastIndexOf('@');
        if (separator < 0 || !DurationParser.TryParse(text[(separator + 1)..], out var at))
        {
            throw new FormatException($"'{text}': a burst is /path=count@time, e.g. /bad/sync-io=48@2s.");
        }

        var target = LoadTarget.Parse(text[..separator]);
        if (target.Weight is < 1 or > 100_000 || target.Weight != Math.Floor(target.Weight))
        {
            throw new FormatException($"'{text}': the count after '=' must be a whole number from 1 to 100,000.");
        }

        return new LoadBurst(at, target.Path, (int)target.Weight);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Path}={Requests}@{At.TotalMilliseconds:0.###}ms");
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

    /// <summary>Bursts sent on top of the steady rate, at times from the start of the measured run (none in the warm-up).</summary>
    public IReadOnlyList<LoadBurst> Bursts { get; init; } = [];

    /// <summary>Requests of the steady schedule: the rate times the duration.</summary>
    public long SteadyRequestCount => (long)Math.Round(RatePerSecond * Duration.TotalSeconds);

    /// <summary>Total number of requests the plan sends: the steady schedule and the bursts.</summary>
    public long RequestCount => SteadyRequestCount + Bursts.Sum(burst => (long)burst.Requests);

    /// <summary>Every path the plan sends to, once each: the mix in its order, then the paths only bursts send to.</summary>
    public IReadOnlyList<string> Paths => [.. Mix.Select(target => target.Path).Concat(Bursts.Select(burst => burst.Path)).Distinct(StringComparer.Ordinal)];

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

        foreach (var burst in Bursts)
        {
            if (burst.At < TimeSpan.Zero || burst.At >= Duration || burst.Requests <= 0)
            {
                throw new ArgumentException($"The burst {burst} must start within the run (0 to {Duration.TotalSeconds:0.###} s) and send at least one request.", nameof(Bursts));
            }
        }
    }
}
