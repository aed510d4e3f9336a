using System.Diagnostics;

namespace TailGuard.RuntimeProbe.Tests.Integration;

/// <summary>What one run of the built tool printed and returned.</summary>
internal sealed record ToolResult(int ExitCode, string Out, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}; stderr: {Error}; stdout: {Out}";
}

/// <summary>The built tool (dotnet-tailguard.dll) run to completion as its own process, as a user or a CI job runs it.</summary>
internal static class ToolRun
{
    public static Task<ToolResult> RunAsync(params string[] args) => RunInAsync(null, args);

    /// <summary>Runs the tool in <paramref name="workingDirectory"/>, where relative paths on its command line start.</summary>
    public static async Task<ToolResult> RunInAsync(string? workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [TestPaths.Tool, .. args])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet-tailguard {string.Join(' ', args)} did not exit within 60 s.");
        }

        return new ToolResult(process.ExitCode, await output, await error);
    }
}
