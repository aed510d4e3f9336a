using System.Diagnostics;
using Microsoft.Diagnostics.NETCore.Client;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>A .NET process this user can attach to.</summary>
public sealed record DotNetProcess(int Pid, string Name, string CommandLine);

/// <summary>Finds attachable .NET processes, as <c>dotnet-trace ps</c> does.</summary>
public static class DotNetProcesses
{
    public static IReadOnlyList<DotNetProcess> List()
    {
        var list = new List<DotNetProcess>();
        foreach (var pid in DiagnosticsClient.GetPublishedProcesses().Distinct().Order())
        {
            if (pid == Environment.ProcessId)
            {
                continue;
            }

            string name;
            try
            {
                using var process = Process.GetProcessById(pid);
                name = process.ProcessName;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                continue; // Exited since the socket was listed, or a stale socket.
            }

            var commandLine = ReadCommandLine(pid) ?? name;
            list.Add(new DotNetProcess(pid, AppName(name, commandLine), commandLine));
        }

        return list;
    }

    /// <summary>The processes whose name (or, for <c>dotnet App.dll</c>, whose app) is <paramref name="name"/>.</summary>
    public static IReadOnlyList<DotNetProcess> FindByName(string name) =>
        List().Where(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();

    internal static string AppName(string processName, string commandLine)
    {
        if (!string.Equals(processName, "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return processName;
        }

        var dll = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));
        return dll is null ? processName : Path.GetFileNameWithoutExtension(dll);
    }

    /// <summary>The runtime version, from the folder the target loaded its runtime from (…/Microsoft.NETCore.App/10.0.1/).</summary>
    internal static string? RuntimeVersion(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            foreach (ProcessModule module in process.Modules)
            {
                var file = Path.GetFileName(module.FileName);
                if (file is "libcoreclr.so" or "coreclr.dll" or "libcoreclr.dylib")
                {
                    return Path.GetFileName(Path.GetDirectoryName(module.FileName));
                }
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Modules of another user's process are not readable: the version is then unknown.
        }

        return null;
    }

    internal static string? ReadCommandLine(int pid)
    {
        try
        {
            var path = $"/proc/{pid}/cmdline";
            if (File.Exists(path))
            {
                return File.ReadAllText(path).Replace('\0', ' ').Trim();
            }

            using var process = Process.GetProcessById(pid);
            return process.MainModule?.FileName;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
