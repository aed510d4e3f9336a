using System.Diagnostics;
using System.Text.Json;
using TailGuard.Tool;

namespace TailGuard.RuntimeProbe.Tests.Integration;

/// <summary>The tool end to end: bad input gives one clear line and its exit code, never a stack trace.</summary>
[Collection(LiveCollection.Name)]
public sealed class ToolCommandTests
{
    private static async Task<(ReturnCode Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var console = new CapturedConsole();
        var code = await ProbeCli.RunAsync(args, console, CancellationToken.None);
        return (code, console.OutWriter.ToString(), console.ErrorWriter.ToString());
    }

    private static void AssertOneErrorLine(string error, string expected)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pid_that_does_not_exist_is_an_error()
    {
        var (code, _, error) = await RunAsync("attach", "2147483000", "--duration", "1s");

        Assert.Equal(ReturnCode.Error, code);
        AssertOneErrorLine(error, "No process with id 2147483000");
    }

    [Fact]
    public async Task A_process_that_is_not_dotnet_is_an_error()
    {
        using var sleep = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            var (code, _, error) = await RunAsync("attach", sleep.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--duration", "1s");

            Assert.Equal(ReturnCode.Error, code);
            AssertOneErrorLine(error, "is not a .NET process");
        }
        finally
        {
            sleep.Kill();
        }
    }

    [Fact]
    public async Task A_file_that_is_not_a_trace_is_an_error()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "this is not a nettrace");
        try
        {
            var (code, _, error) = await RunAsync("analyze", path);

            Assert.Equal(ReturnCode.Error, code);
            AssertOneErrorLine(error, "is not a readable .nettrace file");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_missing_trace_file_is_an_error()
    {
        var (code, _, error) = await RunAsync("analyze", "/nonexistent/trace.nettrace");

        Assert.Equal(ReturnCode.Error, code);
        AssertOneErrorLine(error, "does not exist");
    }

    [Theory]
    [InlineData("attach")]
    [InlineData("attach", "1", "-n", "app")]
    [InlineData("attach", "1", "--slo", "p98<5ms")]
    [InlineData("attach", "1", "--duration", "soon")]
    [InlineData("attach", "1", "--format", "pdf")]
    [InlineData("analyze")]
    [InlineData("frobnicate")]
    [InlineData()]
    public async Task A_wrong_command_line_is_a_usage_error(params string[] args)
    {
        var (code, _, error) = await RunAsync(args);

        Assert.Equal(ReturnCode.UsageError, code);
        Assert.Contains("--help", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_commands_and_the_exit_codes()
    {
        var (code, output, _) = await RunAsync("attach", "--help");

        Assert.Equal(ReturnCode.Success, code);
        Assert.Contains("--slo", output, StringComparison.Ordinal);
        Assert.Contains("--nettrace", output, StringComparison.Ordinal);
        Assert.Contains("3 an --slo rule was violated", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_every_command_and_no_command_names_them_all()
    {
        string[] commands = ["ps", "attach", "monitor", "analyze", "providers", "sizes"];

        var (helpCode, help, _) = await RunAsync("--help");
        var (noneCode, _, none) = await RunAsync();

        Assert.Equal(ReturnCode.Success, helpCode);
        var listed = help[help.IndexOf("Commands:", StringComparison.Ordinal)..].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Skip(1).Select(line => line.Split(' ')[0]);
        Assert.Equal(commands, listed);
        Assert.Contains("or a state machine exceeds --max-bytes", help, StringComparison.Ordinal);
        Assert.Equal(ReturnCode.UsageError, noneCode);
        Assert.Contains($"give a command ({string.Join(", ", commands)})", none, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_option_validator_reports_its_error_once_however_often_the_command_line_is_built()
    {
        await RunAsync("attach", "1", "--buffer-mb", "0");

        var (code, _, error) = await RunAsync("attach", "1", "--buffer-mb", "0");

        Assert.Equal(ReturnCode.UsageError, code);
        Assert.Single(error.Split('\n'), line => line.Contains("--buffer-mb must be between 1 and 4096", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_output_path_that_cannot_be_written_is_an_error_before_attaching()
    {
        await using var target = await TargetProcess.StartAsync();

        var (code, _, error) = await RunAsync("attach", Pid(target), "--duration", "1s", "-o", "/nonexistent/dir/report.json");

        Assert.Equal(ReturnCode.Error, code);
        AssertOneErrorLine(error, "Cannot write the report to '/nonexistent/dir/report.json'");
    }

    [Fact]
    public async Task Ps_lists_the_target_and_attach_by_name_finds_it()
    {
        await using var target = await TargetProcess.StartAsync();

        var (code, output, _) = await RunAsync("ps");

        Assert.Equal(ReturnCode.Success, code);
        Assert.Contains(output.Split('\n'), line => line.Contains(Pid(target), StringComparison.Ordinal) && line.Contains("TailGuard.TargetApp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_violated_slo_exits_with_3_and_still_writes_the_report()
    {
        await using var target = await TargetProcess.StartAsync();
        var report = Path.GetTempFileName();
        try
        {
            var attach = RunAsync("attach", Pid(target), "--duration", "3s", "--format", "json", "-o", report, "--slo", "p50<1us", "--no-live");
            await Task.Delay(1500);
            for (var i = 0; i < 20; i++)
            {
                await target.Client.GetStringAsync("/work?ms=2");
            }

            var (code, _, _) = await attach;

            Assert.Equal(ReturnCode.SloViolated, code);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
            Assert.False(json.RootElement.GetProperty("slo").GetProperty("passed").GetBoolean());
            Assert.Equal(20, json.RootElement.GetProperty("requests").GetProperty("count").GetInt64());
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Fact]
    public async Task A_truncated_trace_is_reported_up_to_where_it_ends_with_a_warning()
    {
        // Issue 14 item 4: this test used to assert exit code 1 ("is truncated or corrupt"); that assertion was the bug.
        await using var target = await TargetProcess.StartAsync();
        var trace = Path.Combine(Path.GetTempPath(), $"tailguard-{Guid.NewGuid():N}.nettrace");
        try
        {
            var attach = RunAsync("attach", Pid(target), "--duration", "2s", "--format", "json", "--nettrace", trace, "--no-live");
            await Task.Delay(1000);
            await target.Client.GetStringAsync("/ok");
            Assert.Equal(ReturnCode.Success, (await attach).Code);
            var bytes = await File.ReadAllBytesAsync(trace);
            await File.WriteAllBytesAsync(trace, bytes[..(bytes.Length * 2 / 3)]);

            var (code, output, error) = await RunAsync("analyze", trace, "--format", "json");

            Assert.Equal(ReturnCode.Success, code);
            AssertOneErrorLine(error, "warning: the trace");
            Assert.Contains("ends early", error, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(output);
            var session = json.RootElement.GetProperty("session");
            Assert.Equal("truncatedTrace", session.GetProperty("endReason").GetString());
            Assert.Contains(session.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("The trace ends early", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Fact]
    public async Task The_trace_of_a_target_killed_mid_session_gives_the_live_reports_request_count()
    {
        var target = await TargetProcess.StartAsync();
        var trace = Path.Combine(Path.GetTempPath(), $"tailguard-{Guid.NewGuid():N}.nettrace");
        var live = Path.Combine(Path.GetTempPath(), $"tailguard-{Guid.NewGuid():N}.json");
        try
        {
            var attach = RunAsync("attach", Pid(target), "--format", "json", "-o", live, "--nettrace", trace, "--no-live");
            await Task.Delay(1000);
            for (var i = 0; i < 25; i++)
            {
                await target.Client.GetStringAsync("/work?ms=2");
            }

            // Long enough for the target to flush its EventPipe buffers; the kill then cuts the stream wherever it is.
            await Task.Delay(1500);
            target.Kill();
            Assert.Equal(ReturnCode.Success, (await attach).Code);

            var (code, analyzed, error) = await RunAsync("analyze", trace, "--format", "json");

            Assert.Equal(ReturnCode.Success, code);
            Assert.Contains("ends early", error, StringComparison.Ordinal);
            using var liveJson = JsonDocument.Parse(await File.ReadAllTextAsync(live));
            using var analyzedJson = JsonDocument.Parse(analyzed);
            Assert.Equal("targetExited", liveJson.RootElement.GetProperty("session").GetProperty("endReason").GetString());
            Assert.Equal("truncatedTrace", analyzedJson.RootElement.GetProperty("session").GetProperty("endReason").GetString());
            var liveCount = liveJson.RootElement.GetProperty("requests").GetProperty("count").GetInt64();
            Assert.Equal(25, liveCount);
            Assert.Equal(liveCount, analyzedJson.RootElement.GetProperty("requests").GetProperty("count").GetInt64());
        }
        finally
        {
            await target.DisposeAsync();
            File.Delete(trace);
            File.Delete(live);
        }
    }

    [Fact]
    public async Task Ctrl_c_stops_the_session_and_the_report_is_still_written()
    {
        await using var target = await TargetProcess.StartAsync();
        var report = Path.Combine(Path.GetTempPath(), $"tailguard-{Guid.NewGuid():N}.json");
        try
        {
            using var tool = await ToolProcess.StartAsync("attach", Pid(target), "--format", "json", "-o", report, "--no-live");
            await target.Client.GetStringAsync("/ok");
            await Task.Delay(500);
            using (var kill = Process.Start("kill", ["-INT", tool.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            var exitCode = await tool.WaitForExitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(0, exitCode);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
            Assert.Equal("cancelled", json.RootElement.GetProperty("session").GetProperty("endReason").GetString());
            Assert.Equal(1, json.RootElement.GetProperty("requests").GetProperty("count").GetInt64());
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Fact]
    public async Task A_target_that_exits_mid_session_still_gets_its_report()
    {
        await using var target = await TargetProcess.StartAsync();
        var report = Path.Combine(Path.GetTempPath(), $"tailguard-{Guid.NewGuid():N}.json");
        try
        {
            using var tool = await ToolProcess.StartAsync("attach", Pid(target), "--format", "json", "-o", report, "--no-live");
            await target.Client.GetStringAsync("/ok");
            await target.PostAsync("/exit");
            await target.WaitForExitAsync(TimeSpan.FromSeconds(20));

            var exitCode = await tool.WaitForExitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(0, exitCode);
            Assert.Contains("exited", tool.Error, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
            var session = json.RootElement.GetProperty("session");
            Assert.True(session.GetProperty("targetExited").GetBoolean());
            Assert.Equal("targetExited", session.GetProperty("endReason").GetString());
            Assert.Contains(session.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("exited", StringComparison.Ordinal));
            Assert.True(json.RootElement.GetProperty("requests").GetProperty("count").GetInt64() >= 1);
        }
        finally
        {
            File.Delete(report);
        }
    }

    private static string Pid(TargetProcess target) => target.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The built tool run as its own process, as a user runs it.</summary>
internal sealed class ToolProcess : IDisposable
{
    private readonly System.Text.StringBuilder _error = new();

    private ToolProcess(Process process) => Process = process;

    public Process Process { get; }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Starts the tool and waits until it says it attached.</summary>
    public static async Task<ToolProcess> StartAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [TestPaths.Tool, .. args])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var tool = new ToolProcess(Process.Start(info)!);
        tool.Process.ErrorDataReceived += (_, e) =>
        {
            lock (tool._error)
            {
                tool._error.AppendLine(e.Data);
            }
        };
        tool.Process.OutputDataReceived += (_, _) => { };
        tool.Process.BeginErrorReadLine();
        tool.Process.BeginOutputReadLine();
        var clock = Stopwatch.StartNew();
        while (!tool.Error.Contains("Attached to", StringComparison.Ordinal))
        {
            Assert.False(tool.Process.HasExited, "the tool exited early: " + tool.Error);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the tool did not attach: " + tool.Error);
            await Task.Delay(50);
        }

        // "Attached" is printed as the session starts; give the session a moment to be live in the target.
        await Task.Delay(1000);
        return tool;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await Process.WaitForExitAsync(cts.Token);
        return Process.ExitCode;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
        }

        Process.Dispose();
    }
}
