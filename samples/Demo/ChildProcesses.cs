using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using TailGuard.Samples.LoadDriver;

namespace TailGuard.Samples.Demo;

/// <summary>
/// Every process the demo starts goes through here, so that all of them are killed when the demo ends: normally, on failure,
/// on Ctrl+C and on SIGTERM (the process-exit hook is the last resort).
/// </summary>
internal static partial class ChildProcesses
{
    private const int SigTerm = 15;

    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private static readonly ConcurrentDictionary<ServiceProcess, bool> Services = new();

    static ChildProcesses() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

    public static void Track(Process process) => Running[process.Id] = process;

    public static void Forget(Process process) => Running.TryRemove(process.Id, out _);

    public static void Track(ServiceProcess service) => Services[service] = true;

    public static void Forget(ServiceProcess service) => Services.TryRemove(service, out _);

    public static void KillAll()
    {
        foreach (var service in Services.Keys)
        {
            service.Dispose();
        }

        foreach (var process in Running.Values)
        {
            Kill(process);
        }
    }

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// Asks a process to stop the way <c>kill -TERM</c> does (dotnet-tailguard then ends its session and writes its report);
    /// false where there are no POSIX signals.
    /// </summary>
    public static bool Terminate(Process process)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            return !process.HasExited && SendSignal(process.Id, SigTerm) == 0;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Runs <c>dotnet args...</c> to the end and returns its exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunDotnetAsync(IEnumerable<string> arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(ServiceProcess.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";

        using var process = new Process { StartInfo = startInfo };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, line) => Append(output, line.Data);
        process.ErrorDataReceived += (_, line) => Append(output, line.Data);
        process.Start();
        Track(process);
        try
        {
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            lock (output)
            {
                return (process.ExitCode, output.ToString());
            }
        }
        finally
        {
            Kill(process);
            Forget(process);
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
