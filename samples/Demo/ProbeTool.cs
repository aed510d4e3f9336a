using System.Diagnostics;
using System.Globalization;
using System.Text;
using TailGuard.Samples.LoadDriver;

namespace TailGuard.Samples.Demo;

/// <summary>
/// Drives <c>dotnet-tailguard</c> as a child process, the way a user would: one <c>attach PID --format json -o FILE --nettrace
/// FILE</c> session for the whole run (the demo renders the HTML report itself, from the trace, with its phases marked), stopped with SIGTERM (which the tool turns into a clean stop and the report).
/// </summary>
internal sealed class ProbeTool(string toolAssembly)
{
    public string ToolAssembly { get; } = toolAssembly;

    public static ProbeTool Locate(DemoLayout layout, string? explicitPath)
    {
        if (explicitPath is null)
        {
            return new ProbeTool(layout.Require(layout.ToolAssembly));
        }

        return File.Exists(explicitPath)
            ? new ProbeTool(Path.GetFullPath(explicitPath))
            : throw new DemoException($"--probe: '{explicitPath}' does not exist.");
    }

    /// <param name="safetyCap">
    /// The session's <c>--duration</c>: it normally ends earlier, by SIGTERM, but never outlives a demo that could not stop it.
    /// </param>
    public ProbeSession Attach(int pid, string jsonReportPath, string nettracePath, TimeSpan safetyCap)
    {
        var arguments = new[]
        {
            ToolAssembly, "attach", pid.ToString(CultureInfo.InvariantCulture),
            "--duration", Math.Ceiling(safetyCap.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s",
            "--no-live", "--format", "json", "-o", jsonReportPath, "--nettrace", nettracePath,
        };
        return ProbeSession.Start(arguments, jsonReportPath);
    }

    internal static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";
}

/// <summary>One running <c>dotnet-tailguard attach</c>.</summary>
internal sealed class ProbeSession : IDisposable
{
    /// <summary>What the tool prints on standard error once its EventPipe session is set up.</summary>
    internal const string AttachedPrefix = "Attached to ";

    private readonly Process _process;
    private readonly string _reportPath;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ProbeSession(Process process, string reportPath)
    {
        _process = process;
        _reportPath = reportPath;
    }

    public static ProbeSession Start(IEnumerable<string> arguments, string reportPath)
    {
        var startInfo = new ProcessStartInfo(ServiceProcess.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        var session = new ProbeSession(process, reportPath);
        process.OutputDataReceived += (_, line) => session.Append(line.Data);
        process.ErrorDataReceived += (_, line) => session.Append(line.Data);
        process.Start();
        ChildProcesses.Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return session;
    }

    public string ReportPath => _reportPath;

    /// <summary>The tool's process id, for its CPU time.</summary>
    public int Pid => _process.Id;

    /// <summary>
    /// Waits until the tool says it is attached and its trace file has started to fill: the tool announces the session before
    /// the target has set it up, and the target's first events are what prove the providers are on.
    /// </summary>
    public async Task WaitUntilRecordingAsync(string nettracePath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!_attached.Task.IsCompleted || !HasData(nettracePath))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new DemoException($"dotnet-tailguard could not attach (exit code {_process.ExitCode}): {ProbeTool.LastLine(Output)}");
            }

            if (deadline.Elapsed > timeout)
            {
                throw new DemoException($"dotnet-tailguard did not start recording within {timeout.TotalSeconds:0} s: {ProbeTool.LastLine(Output)}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The trace has events. dotnet-tailguard writes it beside its target as a hidden <c>.NAME.GUID.tmp</c> file while the
    /// session runs and renames it when the session ends (a failed run never clobbers an older trace), so look at both.
    /// </summary>
    private static bool HasData(string path)
    {
        if (new FileInfo(path) is { Exists: true, Length: > 0 })
        {
            return true;
        }

        var folder = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return folder.Exists && folder.EnumerateFiles("." + Path.GetFileName(path) + ".*.tmp").Any(file => file.Length > 0);
    }

    /// <summary>Stops the session with SIGTERM and waits for the report; returns null when it was written, or why not.</summary>
    public async Task<string?> StopAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        ChildProcesses.Terminate(_process);
        try
        {
            await _process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return $"dotnet-tailguard did not stop within {timeout.TotalSeconds:0} s of SIGTERM";
        }

        if (_process.ExitCode is not (0 or 3))
        {
            return $"dotnet-tailguard exited with {_process.ExitCode}: {ProbeTool.LastLine(Output)}";
        }

        return File.Exists(_reportPath) ? null : $"dotnet-tailguard wrote no report to {_reportPath}";
    }

    public void Dispose()
    {
        ChildProcesses.Kill(_process);
        ChildProcesses.Forget(_process);
        _process.Dispose();
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.StartsWith(AttachedPrefix, StringComparison.Ordinal))
        {
            _attached.TrySetResult();
        }
    }
}
