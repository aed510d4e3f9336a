using System.Diagnostics;
using System.Globalization;
using System.Text;
using TailGuard.Output;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.Tool.Commands;

/// <summary>
/// <c>attach -n NAME</c>: the one .NET process with that name. A process matches by its own name, as dotnet-trace and
/// dotnet-counters match it (<c>dotnet</c> for every app run as <c>dotnet App.dll</c>), or by its app's name
/// (<c>App</c>), as <c>ps</c> lists it.
/// </summary>
internal static class ProcessByName
{
    /// <summary>The pid of the one match; a <see cref="UserError"/> naming the candidates when there are none or several.</summary>
    public static int Find(string name)
    {
        var matches = DotNetProcesses.List()
            .Where(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)
                        || string.Equals(OwnName(p.Pid), name, StringComparison.OrdinalIgnoreCase))
            .ToList();
        return matches.Count switch
        {
            0 => throw new UserError($"No .NET process named '{name}' is running (see 'dotnet-tailguard ps')."),
            1 => matches[0].Pid,
            _ => throw new UserError(Candidates(name, matches)),
        };
    }

    private static string Candidates(string name, IReadOnlyList<DotNetProcess> matches)
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"{matches.Count} .NET processes match '{name}'; give one with -p <pid>:");
        text.AppendLine().Append(CultureInfo.InvariantCulture, $"{"PID",8}  COMMAND LINE");
        foreach (var p in matches)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"{p.Pid,8}  {p.CommandLine}");
        }

        return text.ToString();
    }

    // The process's own name ("dotnet" for a framework-dependent app), which DotNetProcesses replaces with the app's.
    private static string? OwnName(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.ProcessName;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return null; // Exited since it was listed.
        }
    }
}
