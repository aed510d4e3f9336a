using System.Globalization;
using ClientLatency = TailGuard.Samples.LoadDriver.LatencySummary;
using ProbeLatency = TailGuard.RuntimeProbe.Reporting.LatencySummary;

namespace TailGuard.Samples.Demo;

/// <summary>One row of the study's table: P50, P95, P99 and P99.9 in milliseconds, as the article printed them.</summary>
internal sealed record StudyRow(string Name, string P50, string P95, string P99, string P999);

/// <summary>
/// The figures of the article this project answers, "Tokio Versus Goroutines: Latency Under Adversarial Load", printed beside
/// this run's adversarial and fixed phases, so a reader sees where a .NET service with and without the patterns lands.
/// </summary>
internal static class StudyTable
{
    public const string Title = "Tokio Versus Goroutines: Latency Under Adversarial Load";

    public const string Conditions = "10,000 req/s under memory pressure";

    public static IReadOnlyList<StudyRow> Rows { get; } =
    [
        new("study: Tokio", "0.8", "2.1", "4.5", "12"),
        new("study: goroutines", "1.2", "15", "45", "200+"),
    ];

    /// <summary>
    /// The study's rows, then each phase's client-side figures (what a user waits: from each request's intended start) and the
    /// probe's figures inside the service (no P95: the probe's report has none), in milliseconds.
    /// </summary>
    public static void Print(TextWriter output, IEnumerable<(string Name, ClientLatency Client, ProbeLatency? Probe)> phases, string rateNote)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(Line($"Beside the study (\"{Title}\", {Conditions}); this run {rateNote}:"));
        output.WriteLine(Line($"  {"ms",-40} {"P50",7} {"P95",7} {"P99",7} {"P99.9",7}"));
        foreach (var row in Rows)
        {
            output.WriteLine(Line($"  {row.Name,-40} {row.P50,7} {row.P95,7} {row.P99,7} {row.P999,7}"));
        }

        foreach (var (name, client, probe) in phases)
        {
            output.WriteLine(Line($"  {"this run: " + name + ", client",-40} {Figure(client.P50),7} {Figure(client.P95),7} {Figure(client.P99),7} {Figure(client.P999),7}"));
            if (probe is not null)
            {
                output.WriteLine(Line($"  {"this run: " + name + ", probe in service",-40} {Figure(probe.P50),7} {"-",7} {Figure(probe.P99),7} {Figure(probe.P999),7}"));
            }
        }
    }

    /// <summary>Three significant figures at most, like the study's own.</summary>
    internal static string Figure(double milliseconds) => milliseconds switch
    {
        >= 100 => milliseconds.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => milliseconds.ToString("0.0", CultureInfo.InvariantCulture),
        _ => milliseconds.ToString("0.00", CultureInfo.InvariantCulture),
    };

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
