using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>Turns what the pipeline's stages know into the report model.</summary>
public static class ReportBuilder
{
    /// <summary>The report's target: what the source knew of the process.</summary>
    public static ReportTarget Target(TargetInfo target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new ReportTarget
        {
            Pid = target.Pid,
            ProcessName = target.ProcessName,
            RuntimeVersion = target.RuntimeVersion,
            CommandLine = target.CommandLine,
        };
    }
}
