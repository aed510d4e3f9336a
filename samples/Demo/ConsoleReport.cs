using System.Globalization;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.Samples.LoadDriver;
using ClientLatency = TailGuard.Samples.LoadDriver.LatencySummary;

namespace TailGuard.Samples.Demo;

/// <summary>What one phase measured: the client's side, its wall-clock span, and the probe's report of the same span.</summary>
internal sealed record PhaseResult(Phase Phase, LoadResult Client, DateTime StartUtc, DateTime EndUtc)
{
    public Report? Probe { get; init; }

    /// <summary>The machine's load average as the phase ended ("1-minute 5-minute 15-minute"), when known.</summary>
    public string? LoadAverage { get; init; }

    /// <summary>Where the cores went during the phase, and what the service's runtime did, by its own counters.</summary>
    public PhaseCost? Cost { get; init; }
}

/// <summary>What the demo prints: the analyzer findings, one table per phase, and the verdict.</summary>
internal static class ConsoleReport
{
    private const string Indent = "      ";
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void PrintFindings(TextWriter output, IReadOnlyList<AnalyzerFinding> findings)
    {
        if (findings.Count == 0)
        {
            output.WriteLine(Indent + "no TailGuard warnings: the rules for these patterns are not in this build of src/Analyzers yet");
            return;
        }

        foreach (var group in findings.GroupBy(finding => finding.File))
        {
            var rules = group.GroupBy(finding => finding.RuleId).Select(rule => rule.Count() > 1 ? $"{rule.Key} x{rule.Count()}" : rule.Key);
            output.WriteLine(Line($"{Indent}{group.Key}: {group.Count()} warnings ({string.Join(", ", rules)})"));
            foreach (var finding in group)
            {
                output.WriteLine(Line($"{Indent}  line {finding.Line,-4} {finding.RuleId}  {Shorten(finding.Message, 100)}"));
            }
        }

        output.WriteLine(Line($"{Indent}FixedEndpoints.cs (the same endpoints as the code fixes write them): {findings.Count(finding => finding.File == "FixedEndpoints.cs")} warnings"));
    }

    /// <summary>One line as each phase ends, before the probe's side is known.</summary>
    public static string PhaseSummary(LoadResult client) => Line(
        $"{Indent}sent {client.Sent:N0} at {client.AchievedRatePerSecond:N0} req/s: {client.Ok:N0} ok, {client.Errors:N0} errors, {client.Timeouts:N0} timeouts; client P50 {Ms(client.Latency.P50)}, P95 {Ms(client.Latency.P95)}, P99 {Ms(client.Latency.P99)}, P99.9 {Ms(client.Latency.P999)}");

    public static void PrintPhase(TextWriter output, PhaseResult result)
    {
        var client = result.Client;
        output.WriteLine(Line($"{result.Phase.Name} ({result.Phase.Description}): {client.Sent:N0} requests at {client.AchievedRatePerSecond:N0} req/s, {client.Errors:N0} errors, {client.Timeouts:N0} timeouts"));
        output.WriteLine(Line($"{Indent}{"latency, ms",-36} {"count",7} {"p50",8} {"p90",8} {"p95",8} {"p99",8} {"p99.9",8} {"max",8}"));
        Row(output, "client (open loop, from intended start)", client.Latency);
        foreach (var endpoint in client.Endpoints.Where(endpoint => endpoint.Path != "/healthy" || client.Endpoints.Count > 1))
        {
            Row(output, "  client " + endpoint.Path, endpoint.Latency);
        }

        if (result.Probe is not { } report)
        {
            return;
        }

        output.WriteLine(Indent + "client and probe side by side:");
        foreach (var line in ProbeComparison.Lines(client.Latency, ProbeLatencies.FromReportJson(ReportJson.Serialize(report))))
        {
            output.WriteLine(Indent + "  " + line);
        }

        foreach (var tail in report.Tail)
        {
            output.WriteLine(Line($"{Indent}{TailLine(tail)}"));
        }

        var generations = string.Join(", ", report.Gc.ByGeneration.Where(g => g.PauseCount > 0).Select(g => Line($"gen{g.Generation} {g.PauseCount}")));
        if (result.Cost is { } cost)
        {
            output.WriteLine(Indent + cost.Describe(Environment.ProcessorCount));
        }

        output.WriteLine(Line($"{Indent}load driver's own lag (intended start to send, counted in the client's latency): P50 {Ms(client.SchedulingLag.P50)}, P99 {Ms(client.SchedulingLag.P99)}, P99.9 {Ms(client.SchedulingLag.P999)}"));

        output.WriteLine(Line(
            $"{Indent}GC: {report.Gc.PauseCount:N0} pauses{(generations.Length > 0 ? $" ({generations})" : "")}, {report.Gc.TotalPauseMs:0.0} ms total, max {report.Gc.MaxPauseMs:0.0} ms; starvation episodes {report.ThreadPool.StarvationEpisodes.Count}; pool threads max {report.ThreadPool.MaxThreadCount}; Kestrel queues max {report.Requests.KestrelQueues.MaxConnectionQueueLength:0}/{report.Requests.KestrelQueues.MaxRequestQueueLength:0}"));
    }

    /// <summary>"tail above P99 (12.3 ms, 75 requests): GC pause 40 %, pool starvation 0 %, ... unexplained 60 %".</summary>
    public static string TailLine(ReportTail tail) => Line(
        $"tail above P{tail.Percentile:0.#} ({Ms(tail.ThresholdMs)}, {tail.Requests:N0} requests) overlapped: GC pause {Percent(tail.Share.GcPause)}, pool starvation {Percent(tail.Share.ThreadPoolStarvation)}, lock contention {Percent(tail.Share.LockContention)}, none {Percent(tail.Share.Unexplained)}");

    /// <summary>The measured figures, the study's table beside them, and the verdict (<see cref="DemoVerdict"/>).</summary>
    public static Verdict PrintVerdict(TextWriter output, DemoOptions options, IReadOnlyList<PhaseResult> results)
    {
        var baseline = results.Single(result => result.Phase.Name == Phases.Baseline);
        var adversarial = results.Single(result => result.Phase.Name == Phases.Adversarial);
        var fixedPhase = results.Single(result => result.Phase.Name == Phases.Fixed);
        output.WriteLine(Line($"Measured at {options.Rate:N0} req/s on {Environment.ProcessorCount} cores (client side, open loop: latency from each request's intended start):"));
        output.WriteLine(Line($"  P99 under adversarial load: {Ms(adversarial.Client.Latency.P99)} -> {Ms(fixedPhase.Client.Latency.P99)} after the {Phases.FixedRules} fixes"));
        output.WriteLine(Line(
            $"  P50 {Ms(adversarial.Client.Latency.P50)} -> {Ms(fixedPhase.Client.Latency.P50)}, P95 {Ms(adversarial.Client.Latency.P95)} -> {Ms(fixedPhase.Client.Latency.P95)}, P99.9 {Ms(adversarial.Client.Latency.P999)} -> {Ms(fixedPhase.Client.Latency.P999)}; healthy baseline P50 {Ms(baseline.Client.Latency.P50)}, P99 {Ms(baseline.Client.Latency.P99)}, P99.9 {Ms(baseline.Client.Latency.P999)}"));
        if (Healthy(adversarial) is { } before && Healthy(fixedPhase) is { } after)
        {
            output.WriteLine(Line($"  /healthy alone (requests that did nothing wrong): P99 {Ms(before.P99)} -> {Ms(after.P99)}, P99.9 {Ms(before.P999)} -> {Ms(after.P999)}"));
        }

        output.WriteLine(Cause("adversarial", adversarial.Probe));
        output.WriteLine(Cause("fixed", fixedPhase.Probe));
        output.WriteLine(Line($"  Load average as each phase ended: {string.Join(", ", results.Select(result => $"{result.Phase.Name} {result.LoadAverage ?? "unknown"}"))}"));
        output.WriteLine();
        StudyTable.Print(
            output,
            [(Phases.Adversarial, adversarial.Client.Latency, adversarial.Probe?.Requests.LatencyMs), (Phases.Fixed, fixedPhase.Client.Latency, fixedPhase.Probe?.Requests.LatencyMs)],
            options.RateNote + FixedPhaseCores(fixedPhase.Cost));
        output.WriteLine();
        var verdict = DemoVerdict.Decide(PhaseFigures.From(adversarial), PhaseFigures.From(fixedPhase), Environment.ProcessorCount);
        foreach (var line in verdict.Lines)
        {
            output.WriteLine(line);
        }

        return verdict;
    }

    private static string Cause(string name, Report? report)
    {
        if (report?.Tail.FirstOrDefault() is not { } tail)
        {
            return Line($"  Probe, {name} phase: no report.");
        }

        var causes = new (string Name, double Share)[]
            {
                ("GC pauses", tail.PrimaryShare.GcPause), ("pool starvation", tail.PrimaryShare.ThreadPoolStarvation), ("lock contention", tail.PrimaryShare.LockContention),
                ("nothing the runtime reports", tail.PrimaryShare.Unexplained),
            }
            .Where(cause => cause.Share > 0)
            .OrderByDescending(cause => cause.Share)
            .Select(cause => $"{cause.Name} {Percent(cause.Share)}");
        return Line($"  Probe, {name} phase: the slowest 1% inside the service (above {Ms(tail.ThresholdMs)}) mostly sat in {string.Join(", ", causes.DefaultIfEmpty("no requests"))}.");
    }

    /// <summary>"; in this run's fixed phase they used 0.81 of the 2 cores, other processes 1.19", when measured.</summary>
    internal static string FixedPhaseCores(PhaseCost? cost) => cost is null
        ? ""
        : Line($"; in this run's fixed phase they used {cost.Cores(cost.ServiceCpuMs + cost.DriverCpuMs + cost.ProbeCpuMs):0.00} of the {Environment.ProcessorCount} cores{(cost.OtherCores is { } others ? Line($", other processes {others:0.00}") : "")}");

    private static ClientLatency? Healthy(PhaseResult result) =>
        result.Client.Endpoints.Count > 1 ? result.Client.Endpoints.FirstOrDefault(endpoint => endpoint.Path == "/healthy")?.Latency : null;

    private static void Row(TextWriter output, string name, ClientLatency latency) =>
        output.WriteLine(Line($"{Indent}{Shorten(name, 36),-36} {latency.Count,7:N0} {latency.P50,8:0.00} {latency.P90,8:0.00} {latency.P95,8:0.00} {latency.P99,8:0.00} {latency.P999,8:0.00} {latency.Max,8:0.00}"));

    internal static string Ms(double milliseconds) => milliseconds switch
    {
        >= 100 => milliseconds.ToString("0", Invariant) + " ms",
        >= 10 => milliseconds.ToString("0.0", Invariant) + " ms",
        _ => milliseconds.ToString("0.00", Invariant) + " ms",
    };

    private static string Percent(double share) => (share * 100).ToString("0", Invariant) + "%";

    private static string Line(FormattableString text) => text.ToString(Invariant);

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
