using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace TailGuard.Samples.Demo;

/// <summary>The service's <c>/runtime-stats</c> answer: the runtime's own counters, read inside the service.</summary>
internal sealed record ServiceRuntimeStats(
    double GcPauseMs, int Gen0Collections, int Gen1Collections, int Gen2Collections, long JitMethods, double JitMs, int PoolThreads, double CpuMs, bool ServerGc);

/// <summary>
/// Where the machine's two cores went during one phase, and what the service's runtime did, from sources outside the probe:
/// the kernel's CPU accounting (<c>/proc/stat</c> for the whole machine, each process's own CPU time) and the service's
/// runtime counters. This is what tells a fixed phase that missed its bar because of the service (a GC, methods still being
/// jitted) from one that missed it because the cores were busy elsewhere (the probe, the load driver, other processes).
/// </summary>
internal sealed record PhaseCost
{
    public double WallMs { get; init; }

    /// <summary>Busy CPU of the whole machine (every core, every process), from <c>/proc/stat</c>; null where there is none.</summary>
    public double? MachineCpuMs { get; init; }

    public double ServiceCpuMs { get; init; }

    public double ProbeCpuMs { get; init; }

    /// <summary>The demo's own process: the load driver (and the demo's printing).</summary>
    public double DriverCpuMs { get; init; }

    /// <summary>GC pauses of the demo's own process (the load driver's client): they delay the client's timing of responses.</summary>
    public double DriverGcPauseMs { get; init; }

    /// <summary>The service's runtime counters over the phase (their difference), or null when <c>/runtime-stats</c> did not answer.</summary>
    public ServiceRuntimeStats? Service { get; init; }

    /// <summary>Cores' worth of CPU used by everything else on the machine (other users' builds and tests), when known.</summary>
    public double? OtherCores => MachineCpuMs is { } machine && WallMs > 0
        ? Math.Max(0, machine - ServiceCpuMs - ProbeCpuMs - DriverCpuMs) / WallMs
        : null;

    public double Cores(double cpuMs) => WallMs > 0 ? cpuMs / WallMs : 0;

    /// <summary>"CPU, in cores of 2: service 0.41, probe 0.22, load driver 0.30, other processes 1.02; service runtime: ..."</summary>
    public string Describe(int processorCount)
    {
        var others = OtherCores is { } value ? Number(value) : "unknown";
        var text = Line($"CPU in cores (of {processorCount}): service {Number(Cores(ServiceCpuMs))}, probe {Number(Cores(ProbeCpuMs))}, load driver {Number(Cores(DriverCpuMs))}, other processes {others}; load driver GC pauses {DriverGcPauseMs:0.0} ms");
        if (Service is { } s)
        {
            text += Line($"; service runtime: {s.JitMethods:N0} methods jitted ({s.JitMs:0} ms), GC {s.Gen0Collections}/{s.Gen1Collections}/{s.Gen2Collections} (gen0/1/2) pausing {s.GcPauseMs:0.0} ms, pool threads {s.PoolThreads}");
        }

        return text;
    }

    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            wallMs = WallMs, machineCpuMs = MachineCpuMs, serviceCpuMs = ServiceCpuMs, probeCpuMs = ProbeCpuMs, driverCpuMs = DriverCpuMs,
            driverGcPauseMs = DriverGcPauseMs, otherCores = OtherCores, service = Service,
        },
        new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });

    private static string Number(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A reading of every counter <see cref="PhaseCost"/> needs, taken at a phase's start and again at its end.</summary>
internal sealed record CostSample(long Timestamp, double? MachineCpuMs, double ServiceCpuMs, double ProbeCpuMs, double DriverCpuMs, double DriverGcPauseMs, ServiceRuntimeStats? Service)
{
    /// <summary>USER_HZ: the unit of <c>/proc/stat</c>, 100 on every Linux architecture .NET runs on.</summary>
    private const double MillisecondsPerTick = 10;

    public static async Task<CostSample> TakeAsync(HttpClient service, int servicePid, int? probePid, CancellationToken cancellationToken)
    {
        ServiceRuntimeStats? stats;
        try
        {
            stats = await service.GetFromJsonAsync<ServiceRuntimeStats>("/runtime-stats", new JsonSerializerOptions(JsonSerializerDefaults.Web), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            stats = null;
        }

        using var self = Process.GetCurrentProcess();
        return new CostSample(
            Stopwatch.GetTimestamp(), MachineBusyMs(), ProcessCpuMs(servicePid), probePid is { } pid ? ProcessCpuMs(pid) : 0,
            self.TotalProcessorTime.TotalMilliseconds, GC.GetTotalPauseDuration().TotalMilliseconds, stats);
    }

    public static PhaseCost Between(CostSample start, CostSample end) => new()
    {
        WallMs = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalMilliseconds,
        MachineCpuMs = end.MachineCpuMs - start.MachineCpuMs,
        ServiceCpuMs = end.ServiceCpuMs - start.ServiceCpuMs,
        ProbeCpuMs = end.ProbeCpuMs - start.ProbeCpuMs,
        DriverCpuMs = end.DriverCpuMs - start.DriverCpuMs,
        DriverGcPauseMs = end.DriverGcPauseMs - start.DriverGcPauseMs,
        Service = start.Service is { } a && end.Service is { } b
            ? new ServiceRuntimeStats(
                b.GcPauseMs - a.GcPauseMs, b.Gen0Collections - a.Gen0Collections, b.Gen1Collections - a.Gen1Collections, b.Gen2Collections - a.Gen2Collections,
                b.JitMethods - a.JitMethods, b.JitMs - a.JitMs, b.PoolThreads, b.CpuMs - a.CpuMs, b.ServerGc)
            : null,
    };

    private static double ProcessCpuMs(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.TotalProcessorTime.TotalMilliseconds;
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>Busy time of every core since boot, from the first line of /proc/stat; null where there is none.</summary>
    private static double? MachineBusyMs()
    {
        try
        {
            if (!File.Exists("/proc/stat"))
            {
                return null;
            }

            using var reader = new StreamReader("/proc/stat");
            var fields = reader.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
            if (fields.Length < 8 || fields[0] != "cpu")
            {
                return null;
            }

            // user nice system idle iowait irq softirq steal: steal (the hypervisor running another VM) is not this machine's work.
            var ticks = fields.Skip(1).Take(8).Select(field => double.Parse(field, CultureInfo.InvariantCulture)).ToArray();
            return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]) * MillisecondsPerTick;
        }
        catch (Exception exception) when (exception is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
