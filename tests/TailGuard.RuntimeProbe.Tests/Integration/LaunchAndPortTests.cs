using System.Diagnostics;
using System.Text.Json;
using TailGuard.Tool;

namespace TailGuard.RuntimeProbe.Tests.Integration;

/// <summary>
/// The two ways a target connects to the tool rather than the tool to it: the launch mode (<c>attach -- command</c>) and
/// <c>--diagnostic-port PATH</c>. The target sends requests to itself right after start-up and exits
/// (<c>TARGET_SELF_REQUESTS</c>), so the report must hold start-up's requests and end with the target.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class LaunchAndPortTests
{
    private static async Task<(ReturnCode Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var console = new CapturedConsole();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var code = await ProbeCli.RunAsync(args, console, timeout.Token);
        return (code, console.OutWriter.ToString(), console.ErrorWriter.ToString());
    }

    [Fact]
    public async Task Launch_mode_starts_the_target_paused_traces_its_start_up_and_stops_with_it()
    {
        var (code, output, error) = await RunAsync(
            "attach", "--format", "json", "--no-live", "--", "env", "TARGET_SELF_REQUESTS=20", "dotnet", TestPaths.TargetApp);

        Assert.True(code == ReturnCode.Success, error);
        Assert.Contains("SENT 20", error, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("targetExited", json.RootElement.GetProperty("session").GetProperty("endReason").GetString());
        Assert.Equal(20, json.RootElement.GetProperty("requests").GetProperty("count").GetInt64());
        Assert.True(json.RootElement.GetProperty("target").GetProperty("pid").GetInt32() > 0);
    }

    [Fact]
    public async Task A_target_started_with_DOTNET_DiagnosticPorts_connects_to_the_port_the_tool_listens_at()
    {
        var port = Path.Combine(Path.GetTempPath(), $"tailguard-{Guid.NewGuid():N}.sock");
        var attach = RunAsync("attach", "--diagnostic-port", port, "--format", "json", "--no-live");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(port) && clock.Elapsed < TimeSpan.FromSeconds(30) && !attach.IsCompleted)
        {
            await Task.Delay(50);
        }

        var info = new ProcessStartInfo("dotnet", [TestPaths.TargetApp]) { RedirectStandardOutput = true, UseShellExecute = false };
        info.Environment["DOTNET_DiagnosticPorts"] = port;
        info.Environment["TARGET_SELF_REQUESTS"] = "10";
        using var target = Process.Start(info)!;
        try
        {
            var (code, output, error) = await attach;

            Assert.True(code == ReturnCode.Success, error);
            using var json = JsonDocument.Parse(output);
            Assert.Equal("targetExited", json.RootElement.GetProperty("session").GetProperty("endReason").GetString());
            Assert.Equal(10, json.RootElement.GetProperty("requests").GetProperty("count").GetInt64());
            Assert.Equal(target.Id, json.RootElement.GetProperty("target").GetProperty("pid").GetInt32());
        }
        finally
        {
            if (!target.HasExited)
            {
                target.Kill();
            }

            File.Delete(port);
        }
    }

    [Fact]
    public async Task A_command_that_is_not_dotnet_is_one_error_line()
    {
        var (code, _, error) = await RunAsync("attach", "--no-live", "--", "true");

        Assert.Equal(ReturnCode.Error, code);
        Assert.Contains("before its .NET runtime connected", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("attach", "--")]
    [InlineData("ps", "--", "dotnet", "App.dll")]
    [InlineData("attach", "4242", "--", "dotnet", "App.dll")]
    [InlineData("attach", "4242", "--diagnostic-port", "/tmp/x.sock")]
    public async Task A_target_given_twice_or_a_command_where_none_belongs_is_a_usage_error(params string[] args)
    {
        var (code, _, error) = await RunAsync(args);

        Assert.Equal(ReturnCode.UsageError, code);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
