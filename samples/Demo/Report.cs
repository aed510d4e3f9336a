using System.Globalization;
using TailGuard.Samples.LoadDriver;

namespace TailGuard.Samples.Demo;

/// <summary>What the demo prints: the analyzer findings, one table per phase, and the verdict.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void PrintFindings(TextWriter output, IReadOnlyList<AnalyzerFinding> findings)
    {
        if (findings.Count == 0)
        {
            output.WriteLine("      no TailGuard warnings: the rules for these patterns are not in this build of src/Analyzers yet");
            return;
        }

        foreach (var group in findings.GroupBy(finding => finding.File))
        {
            output.WriteLine(string.Create(Invariant, $"      {group.Key}: {group.Count()} warnings ({string.Join(", ", group.GroupBy(f => f.RuleId).Select(g => g.Count() > 1 ? $"{g.Key} x{g.Count()}" : g.Key))})"));
            foreach (var finding in group)
            {
                output.WriteLine(string.Create(Invariant, $"        {finding.File}:{finding.Line}  {finding.RuleId}  {Shorten(finding.Message, 90)}"));
            }
        }

        var elsewhere = findings.Count(finding => finding.File != "BadEndpoints.cs");
        output.WriteLine(string.Create(Invariant, $"      FixedEndpoints.cs: {findings.Count(finding => finding.File == "FixedEndpoints.cs")} warnings; outside BadEndpoints.cs: {elsewhere}"));
    }

    public static void PrintPhase(TextWriter output, PhaseResult result)
    {
        var client = result.Client;
        output.WriteLine(string.Create(Invariant, $"      sent {client.Sent:N0} at {client.AchievedRatePerSecond:N0} req/s: {client.Ok:N0} ok, {client.Errors:N0} errors, {client.Timeouts:N0} timeouts"));
        output.WriteLine(string.Create(Invariant, $"      {"latency, ms",-30} {"count",8} {"p50",8} {"p90",8} {"p99",8} {"p99.9",8} {"max",8}"));
        Row(output, "client, all requests", client.Latency);
        Row(output, "probe (server side)", result.Probe?.Latency);
        if (result.Probe is null)
        {
            output.WriteLine(string.Create(Invariant, $"      {"",-30} probe: {result.ProbeError ?? "unavailable"}"));
        }

        foreach (var endpoint in client.Endpoints)
        {
            Row(output, "client " + endpoint.Path, endpoint.Latency);
        }

        if (result.Probe is { } probe)
        {
            foreach (var tail in probe.Tail)
            {
                output.WriteLine(string.Create(Invariant,
                    $"      tail above P{tail.Percentile:0.#} ({tail.ThresholdMs:0.0} ms, {tail.Requests:N0} requests): GC pause {tail.GcPause:P0}, pool starvation {tail.Starvation:P0}, lock contention {tail.Contention:P0}, unexplained {tail.Unexplained:P0}"));
            }

            output.WriteLine(string.Create(Invariant,
                $"      GC: {probe.GcPauseCount:N0} pauses, {probe.GcTotalPauseMs:0.0} ms total, max {probe.GcMaxPauseMs:0.0} ms; starvation episodes: {probe.StarvationEpisodes}; pool threads max {probe.MaxThreadCount}; events lost {probe.EventsLost:N0}"));
            foreach (var site in probe.BlockingSites.Take(3))
            {
                output.WriteLine(string.Create(Invariant, $"      blocked at {Shorten(site.Frame, 70)} x{site.Count:N0}{(site.Rule is null ? "" : $" ({site.Rule})")}"));
            }
        }
    }

    public static void PrintVerdict(TextWriter output, DemoOptions options, IReadOnlyList<PhaseResult> results, bool probeAvailable, string? probeUnavailable)
    {
        var baseline = results.Single(result => result.Phase.Name == "baseline").Client;
        var adversarial = results.Single(result => result.Phase.Name == "adversarial");
        var fixedPhase = results.Single(result => result.Phase.Name == "fixed");
        var rules = string.Join("/", Phases.Patterns.Select(pattern => pattern.Rules));
        output.WriteLine(string.Create(Invariant, $"Verdict at {options.Rate:N0} req/s on {Environment.ProcessorCount} cores (open loop; latency from each request's intended start):"));
        output.WriteLine(string.Create(Invariant,
            $"  P99 under adversarial load: {Ms(adversarial.Client.Latency.P99)} -> {Ms(fixedPhase.Client.Latency.P99)} after the {rules} fixes (healthy baseline {Ms(baseline.Latency.P99)})"));
        output.WriteLine(string.Create(Invariant,
            $"  P99.9: {Ms(adversarial.Client.Latency.P999)} -> {Ms(fixedPhase.Client.Latency.P999)}; P50: {Ms(adversarial.Client.Latency.P50)} -> {Ms(fixedPhase.Client.Latency.P50)}"));
        var healthyBefore = adversarial.Client.Endpoints.FirstOrDefault(endpoint => endpoint.Path == "/healthy")?.Latency;
        var healthyAfter = fixedPhase.Client.Endpoints.FirstOrDefault(endpoint => endpoint.Path == "/healthy")?.Latency;
        if (healthyBefore is not null && healthyAfter is not null)
        {
            output.WriteLine(string.Create(Invariant,
                $"  /healthy alone (requests that did nothing wrong): P99 {Ms(healthyBefore.P99)} -> {Ms(healthyAfter.P99)}, P99.9 {Ms(healthyBefore.P999)} -> {Ms(healthyAfter.P999)}"));
        }

        if (!probeAvailable)
        {
            output.WriteLine(string.Create(Invariant, $"  Probe: unavailable ({probeUnavailable}); no server-side attribution in this run."));
        }
        else if (adversarial.Probe?.Tail.FirstOrDefault() is { } tail)
        {
            var causes = new (string Name, double Share)[] { ("pool starvation", tail.Starvation), ("GC pauses", tail.GcPause), ("lock contention", tail.Contention) }
                .Where(cause => cause.Share > 0)
                .OrderByDescending(cause => cause.Share)
                .Select(cause => $"{cause.Name} {cause.Share:P0}");
            output.WriteLine(string.Create(Invariant, $"  Probe: the adversarial P{tail.Percentile:0.#} tail overlapped {string.Join(", ", causes.DefaultIfEmpty("no known cause"))} (unexplained {tail.Unexplained:P0})."));
        }
        else
        {
            output.WriteLine(string.Create(Invariant, $"  Probe: no report for the adversarial phase ({adversarial.ProbeError})."));
        }
    }

    private static void Row(TextWriter output, string name, LatencySummary? latency)
    {
        if (latency is null)
        {
            return;
        }

        output.WriteLine(string.Create(Invariant,
            $"      {Shorten(name, 30),-30} {latency.Count,8:N0} {latency.P50,8:0.00} {latency.P90,8:0.00} {latency.P99,8:0.00} {latency.P999,8:0.00} {latency.Max,8:0.00}"));
    }

    private static string Ms(double milliseconds) =>
        milliseconds >= 100 ? milliseconds.ToString("0", Invariant) + " ms" : milliseconds.ToString("0.0", Invariant) + " ms";

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
