using System.Diagnostics;
using System.Globalization;
using System.Text;
using TailGuard.Samples.LoadDriver;

namespace TailGuard.Samples.Demo;

/// <summary>
/// Drives <c>dotnet-tailguard</c> as a child process: <c>dotnet dotnet-tailguard.dll attach PID --duration ... --format json -o
/// FILE --nettrace FILE</c>, then <c>analyze FILE.nettrace --format html</c> for the HTML report.
/// </summary>
internal sealed class ProbeTool(string toolAssembly)
{
    private const string ToolAssemblyName = "dotnet-tailguard.dll";

    public string ToolAssembly { get; } = toolAssembly;

    /// <summary>
    /// Finds the tool: the given path, or the project under <c>src/RuntimeProbe</c> that produces <c>dotnet-tailguard</c>, built in
    /// Release. Returns the reason when there is none.
    /// </summary>
    public static async Task<(ProbeTool? Tool, string? Unavailable)> LocateAsync(string repositoryRoot, string? explicitPath, Action<string> progress, CancellationToken cancellationToken)
    {
        if (explicitPath is not null)
        {
            return File.Exists(explicitPath) ? (new ProbeTool(Path.GetFullPath(explicitPath)), null) : (null, $"'{explicitPath}' does not exist");
        }

        var probeDirectory = Path.Combine(repositoryRoot, "src", "RuntimeProbe");
        var project = Directory.Exists(probeDirectory)
            ? Directory.EnumerateFiles(probeDirectory, "*.csproj", SearchOption.AllDirectories)
                .FirstOrDefault(path => File.ReadAllText(path).Contains("dotnet-tailguard", StringComparison.Ordinal))
            : null;
        if (project is null)
        {
            return (null, "no dotnet-tailguard tool project under src/RuntimeProbe in this checkout");
        }

        progress($"building {Path.GetRelativePath(repositoryRoot, project)}");
        await Builds.BuildAsync(repositoryRoot, project, cancellationToken).ConfigureAwait(false);
        var output = Path.Combine(Path.GetDirectoryName(project)!, "bin", "Release");
        var tool = Directory.Exists(output)
            ? Directory.EnumerateFiles(output, ToolAssemblyName, SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        return tool is null ? (null, $"{ToolAssemblyName} not found under {Path.GetRelativePath(repositoryRoot, output)} after the build") : (new ProbeTool(tool), null);
    }

    public ProbeSession Attach(int pid, TimeSpan duration, string jsonPath, string nettracePath)
    {
        var arguments = new[]
        {
            ToolAssembly, "attach", pid.ToString(CultureInfo.InvariantCulture),
            "--duration", duration.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture),
            "--format", "json", "-o", jsonPath, "--nettrace", nettracePath,
        };
        return ProbeSession.Start(arguments, jsonPath);
    }

    /// <summary>Renders the HTML report from a saved trace; returns null on success, or why it could not.</summary>
    public async Task<string?> RenderHtmlAsync(string nettracePath, string htmlPath, string workingDirectory, CancellationToken cancellationToken)
    {
        if (!File.Exists(nettracePath))
        {
            return $"no trace was saved at {nettracePath}";
        }

        var (exitCode, output) = await ChildProcesses.RunDotnetAsync(
            [ToolAssembly, "analyze", nettracePath, "--format", "html", "-o", htmlPath], workingDirectory, cancellationToken).ConfigureAwait(false);
        return exitCode == 0 && File.Exists(htmlPath) ? null : $"dotnet-tailguard analyze --format html exited with {exitCode}: {LastLine(output)}";
    }

    internal static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";
}

/// <summary>One running <c>attach</c>.</summary>
internal sealed class ProbeSession : IDisposable
{
    private readonly Process _process;
    private readonly string _jsonPath;
    private readonly StringBuilder _output = new();

    private ProbeSession(Process process, string jsonPath)
    {
        _process = process;
        _jsonPath = jsonPath;
    }

    public static ProbeSession Start(IEnumerable<string> arguments, string jsonPath)
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

        // No live console view when nobody watches it: the demo prints its own progress.
        startInfo.Environment["TERM"] = "dumb";
        var process = new Process { StartInfo = startInfo };
        var session = new ProbeSession(process, jsonPath);
        process.OutputDataReceived += (_, line) => session.Append(line.Data);
        process.ErrorDataReceived += (_, line) => session.Append(line.Data);
        process.Start();
        ChildProcesses.Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return session;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the session to end and reads its report; returns the report or why there is none.</summary>
    public async Task<(ProbeReport? Report, string? Error)> CompleteAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return (null, $"dotnet-tailguard did not finish within {timeout.TotalSeconds:0} s after its duration");
        }

        if (_process.ExitCode is not (0 or 3))
        {
            return (null, $"dotnet-tailguard exited with {_process.ExitCode}: {ProbeTool.LastLine(Output)}");
        }

        if (!File.Exists(_jsonPath))
        {
            return (null, $"dotnet-tailguard wrote no report to {_jsonPath}");
        }

        try
        {
            return (ProbeReport.Parse(await File.ReadAllTextAsync(_jsonPath, cancellationToken).ConfigureAwait(false)), null);
        }
        catch (InvalidDataException exception)
        {
            return (null, $"{_jsonPath}: {exception.Message}");
        }
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
    }
}
