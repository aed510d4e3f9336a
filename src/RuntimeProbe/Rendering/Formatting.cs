using System.Globalization;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Rendering;

/// <summary>Number formatting shared by the text renderers (invariant culture, so reports do not change with the locale).</summary>
internal static class Formatting
{
    public static string Ms(double ms) => ms switch
    {
        >= 10_000 => (ms / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " s",
        >= 100 => ms.ToString("0", CultureInfo.InvariantCulture) + " ms",
        >= 1 => ms.ToString("0.0#", CultureInfo.InvariantCulture) + " ms",
        _ => ms.ToString("0.###", CultureInfo.InvariantCulture) + " ms",
    };

    public static string Percent(double share) => (share * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    public static string Number(double n) => n.ToString("#,0.##", CultureInfo.InvariantCulture);

    public static string Percentile(double p) => "P" + p.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Causes(ReportSlowRequest r) =>
        r.Causes.Count == 0 ? "unexplained" : r.PrimaryCause + string.Concat(r.Causes.Where(c => c != r.PrimaryCause).Select(c => ", " + c));

    public static string TargetLine(Report report)
    {
        var t = report.Target;
        var name = t.ProcessName ?? "unknown process";
        var pid = t.Pid is { } p ? $" (pid {p})" : "";
        var runtime = t.RuntimeVersion is { } v ? $", .NET {v}" : "";
        return name + pid + runtime;
    }
}
