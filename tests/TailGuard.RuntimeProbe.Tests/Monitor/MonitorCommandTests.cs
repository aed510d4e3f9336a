using TailGuard.Tool;
using TailGuard.Tool.Commands;

namespace TailGuard.RuntimeProbe.Tests.Monitor;

/// <summary><c>monitor</c>'s command line: usage errors are one line and exit code 2, before any process is touched.</summary>
public sealed class MonitorCommandTests
{
    private static async Task<(ReturnCode Code, string Error)> RunAsync(params string[] args)
    {
        var console = new CapturedConsole();
        var code = await ProbeCli.RunAsync(["monitor", .. args], console, CancellationToken.None);
        return (code, console.ErrorWriter.ToString());
    }

    [Theory]
    [InlineData(new[] { "--prometheus", "127.0.0.1:9464" }, "Give the process to monitor")]
    [InlineData(new[] { "-p", "1", "-n", "app", "--prometheus", "127.0.0.1:9464" }, "not several")]
    [InlineData(new[] { "-p", "1", "--diagnostic-port", "/tmp/x.sock", "--prometheus", "127.0.0.1:9464" }, "not several")]
    [InlineData(new[] { "-p", "1" }, "--prometheus HOST:PORT and/or --otlp URL")]
    [InlineData(new[] { "-p", "1", "--prometheus", "9464" }, "--prometheus takes HOST:PORT")]
    [InlineData(new[] { "-p", "1", "--prometheus", "127.0.0.1:99999" }, "--prometheus takes HOST:PORT")]
    [InlineData(new[] { "-p", "1", "--otlp", "collector:4318" }, "--otlp takes")]
    [InlineData(new[] { "-p", "1", "--prometheus", "127.0.0.1:9464", "--window", "60" }, "--window")]
    [InlineData(new[] { "-p", "1", "--prometheus", "127.0.0.1:9464", "--window", "500ms" }, "at least 1s")]
    [InlineData(new[] { "-p", "1", "--trigger", "starvation" }, "--trigger needs --out-dir")]
    [InlineData(new[] { "-p", "1", "--out-dir", "/tmp" }, "--out-dir needs a --trigger")]
    [InlineData(new[] { "-p", "1", "--out-dir", "/tmp", "--trigger", "p99" }, "needs a threshold")]
    [InlineData(new[] { "-p", "1", "--out-dir", "/tmp", "--trigger", "starvation", "--max-captures", "0" }, "--max-captures")]
    public async Task A_bad_command_line_is_one_line_and_exit_code_2(string[] args, string expected)
    {
        var (code, error) = await RunAsync(args);

        Assert.Equal(ReturnCode.UsageError, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_that_does_not_exist_is_exit_code_1()
    {
        var (code, error) = await RunAsync("-p", "2147483000", "--prometheus", "127.0.0.1:9464");

        Assert.Equal(ReturnCode.Error, code);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_app_name_is_the_dll_a_dotnet_host_runs()
    {
        Assert.Equal("Orders", MonitorCommand.AppName(new() { ProcessName = "dotnet", CommandLine = "/usr/bin/dotnet /app/Orders.dll --urls x" }));
        Assert.Equal("orders-native", MonitorCommand.AppName(new() { ProcessName = "orders-native", CommandLine = "/app/orders-native" }));
    }
}
