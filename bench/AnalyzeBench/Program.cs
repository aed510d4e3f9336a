using System.Diagnostics;
using System.Globalization;
using Microsoft.Diagnostics.Tracing;
using TailGuard.RuntimeProbe;
using TailGuard.RuntimeProbe.Reporting;
#if PROBE_SESSION_FOLDER
using TailGuard.RuntimeProbe.Session;
#else
using TailGuard.RuntimeProbe.Sources;
#endif

// Usage: AnalyzeBench <trace.nettrace> [--iterations 7] [--label text] [--json report.json] [--only stage-prefix] | AnalyzeBench <trace> --mix
// Each stage runs once to warm up (JIT; its time is shown as "first run"), then --iterations times, the stages interleaved so
// that noise from the shared machine hits them alike; the figures are medians of those. CPU is the whole process's user+sys
// time (GC and JIT threads included).
if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: AnalyzeBench <trace.nettrace> [--iterations N] [--label text] [--json report.json]");
    return 2;
}

var trace = args[0];
var iterations = 7;
var label = "";
string? jsonPath = null;
var mix = false;
string? only = null;
for (var i = 1; i < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--mix": mix = true; i--; break;
        case "--iterations": iterations = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--label": label = args[i + 1]; break;
        case "--json": jsonPath = args[i + 1]; break;
        case "--only": only = args[i + 1]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

if (mix)
{
    // What the trace holds, by provider and event: which events the decoder must be fast on.
    using var source = new EventPipeEventSource(trace);
    var counts = new Dictionary<string, long>();
    source.AllEvents += e =>
    {
        var key = $"{e.ProviderName}/{e.EventName}";
        counts[key] = counts.GetValueOrDefault(key) + 1;
    };
    source.Process();
    foreach (var (key, count) in counts.OrderByDescending(c => c.Value))
    {
        Console.WriteLine($"{count,10:N0}  {key}");
    }

    return 0;
}

// The raw parse without a handler cannot count: it reports the count of the file's events, taken once here.
var fileEvents = 0L;
fileEvents = RawParse(subscribe: true);
var stages = new Stage[]
{
    new("raw parse, no handler", () => RawParse(subscribe: false)),
    new("raw parse, AllEvents", () => RawParse(subscribe: true)),
    new("decoder → records, no-op", Decode),
    new("pipeline (report + JSON)", Pipeline),
};

if (only is not null)
{
    // For a profiler: one stage only.
    stages = stages.Where(s => s.Name.StartsWith(only, StringComparison.Ordinal)).ToArray();
}

string? reportJson = null;
foreach (var stage in stages)
{
    stage.Measure(); // the first run: code not yet jitted or still at tier 0, as in a fresh `analyze` process
}

for (var i = 0; i < iterations; i++)
{
    foreach (var stage in stages)
    {
        stage.Measure();
    }
}

if (jsonPath is not null && reportJson is not null)
{
    File.WriteAllText(jsonPath, reportJson);
}

Console.WriteLine($"{label}: {iterations} iterations, medians (events from the trace; CPU = process user+sys)");
foreach (var stage in stages)
{
    Console.WriteLine(stage.Summary());
}

return 0;

long RawParse(bool subscribe)
{
    using var source = new EventPipeEventSource(trace);
    long events = 0;
    if (subscribe)
    {
        source.AllEvents += _ => events++;
    }

    source.Process();
    return subscribe ? events : fileEvents;
}

long Decode()
{
    using var source = new NettraceFileSource(trace);
    var result = source.RunAsync(_ => { }, CancellationToken.None).GetAwaiter().GetResult();
    return result.TraceEvents;
}

long Pipeline()
{
    using var source = new NettraceFileSource(trace);
    var report = new ProbeRun(source).RunAsync(duration: null, [], CancellationToken.None).GetAwaiter().GetResult();
    reportJson = ReportJson.Serialize(report);
    return report.Session.TraceEvents;
}

internal sealed class Stage(string name, Func<long> run)
{
    public string Name => name;

    private readonly List<(double Wall, double Cpu, long Allocated, int Gen0)> _samples = [];
    private long _events;
    private (double Wall, double Cpu)? _first;

    public long Run() => _events = run();

    public void Measure()
    {
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var gen0 = GC.CollectionCount(0);
        var wall = Stopwatch.StartNew();
        Run();
        wall.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpu0;
        var sample = (wall.Elapsed.TotalSeconds, cpu.TotalSeconds, GC.GetTotalAllocatedBytes(precise: true) - allocated0,
            GC.CollectionCount(0) - gen0);
        if (_first is null)
        {
            _first = (sample.Item1, sample.Item2);
            return;
        }

        _samples.Add(sample);
    }

    public string Summary()
    {
        var wall = Median(_samples.Select(s => s.Wall));
        var cpu = Median(_samples.Select(s => s.Cpu));
        return string.Create(CultureInfo.InvariantCulture,
            $"  {name,-26} {_events,9:N0} events  wall {wall * 1000,7:F0} ms (min {_samples.Min(s => s.Wall) * 1000,5:F0})  CPU {cpu * 1000,7:F0} ms" +
            $"  → {_events / wall,11:N0} events/s  {_events / cpu,11:N0} events/CPU-s" +
            $"  alloc {Median(_samples.Select(s => (double)s.Allocated)) / _events,6:F0} B/event, {Median(_samples.Select(s => (double)s.Gen0)),3:F0} gen0 GCs" +
            $"  (first run: wall {_first?.Wall * 1000,5:F0} ms, CPU {_first?.Cpu * 1000,5:F0} ms)");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
