using System.Diagnostics;
using System.Text;
using TailGuard.Output;

namespace TailGuard.Sizes;

/// <summary>
/// Builds a project with <c>dotnet build -c &lt;configuration&gt;</c> and returns the path of the assembly it produced
/// (MSBuild's <c>TargetPath</c>; for a multi-targeted project, that of its first target framework).
/// </summary>
public static class ProjectBuilder
{
    public static async Task<string> BuildAsync(string projectPath, string configuration, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(projectPath);
        var project = Path.GetFullPath(projectPath);
        if (!File.Exists(project))
        {
            throw new UserError($"{project} does not exist.");
        }

        var framework = await FirstFrameworkIfMultiTargeted(project, configuration, cancel).ConfigureAwait(false);
        var frameworkArgs = framework is null ? Array.Empty<string>() : ["-p:TargetFramework=" + framework];

        var build = await RunDotnetAsync(["build", project, "-c", configuration, "-nologo", "-v:q", "-clp:NoSummary", .. frameworkArgs], cancel).ConfigureAwait(false);
        if (build.ExitCode != 0)
        {
            var firstError = build.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains(": error ", StringComparison.Ordinal))
                ?? build.Output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0)
                ?? "no output";
            throw new UserError($"Build of {Path.GetFileName(project)} ({configuration}) failed with exit code {build.ExitCode}: {firstError}");
        }

        var targetPath = (await GetPropertyAsync(project, configuration, "TargetPath", framework, cancel).ConfigureAwait(false)).Trim();
        if (targetPath.Length == 0 || !File.Exists(targetPath))
        {
            throw new UserError($"Built {Path.GetFileName(project)} but found no output assembly (TargetPath '{targetPath}').");
        }

        return targetPath;
    }

    private static async Task<string?> FirstFrameworkIfMultiTargeted(string project, string configuration, CancellationToken cancel)
    {
        var single = (await GetPropertyAsync(project, configuration, "TargetFramework", null, cancel).ConfigureAwait(false)).Trim();
        if (single.Length > 0)
        {
            return null;
        }

        var many = (await GetPropertyAsync(project, configuration, "TargetFrameworks", null, cancel).ConfigureAwait(false)).Trim();
        return many.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
    }

    private static async Task<string> GetPropertyAsync(string project, string configuration, string property, string? framework, CancellationToken cancel)
    {
        string[] args = ["msbuild", project, "-nologo", "-getProperty:" + property, "-p:Configuration=" + configuration];
        if (framework is not null)
        {
            args = [.. args, "-p:TargetFramework=" + framework];
        }

        var result = await RunDotnetAsync(args, cancel).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var line = result.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? "no output";
            throw new UserError($"Cannot evaluate {Path.GetFileName(project)}: {line}");
        }

        return result.Output;
    }

    private static async Task<(int ExitCode, string Output)> RunDotnetAsync(IEnumerable<string> arguments, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new UserError($"Cannot run the .NET SDK ('{start.FileName}') to build the project: {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    // The SDK that runs this tool (dotnet sets DOTNET_HOST_PATH for the processes it starts), else dotnet on the PATH.
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
