using System.Text.RegularExpressions;
using TailGuard.RuntimeProbe.Tests.Integration;
using Xunit.Abstractions;

namespace TailGuard.RuntimeProbe.Tests.Monitor;

/// <summary>
/// The sidecar pattern: <c>monitor --diagnostic-port PATH</c> listens, a real target started with
/// <c>DOTNET_DiagnosticPorts=PATH,nosuspend</c> connects, is stopped and started again, and both lifetimes are in the metrics
/// (each under its own <c>process_pid</c>).
/// </summary>
[Collection(LiveCollection.Name)]
public sealed partial class MonitorListenTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tailguard-listen-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_restarted_target_reconnects_and_both_lifetimes_are_in_the_metrics()
    {
        var port = Path.Combine(_folder, "monitor.sock");
        var listen = $"127.0.0.1:{PrometheusServer.FreePort()}";
        await using var monitor = MonitorProcess.Start("--diagnostic-port", port, "--prometheus", listen, "--window", "5s");
        await monitor.WaitServingAsync(listen);
        var environment = new Dictionary<string, string> { ["DOTNET_DiagnosticPorts"] = port + ",nosuspend" };

        var pids = new List<int>();
        for (var lifetime = 0; lifetime < 2; lifetime++)
        {
            await monitor.WaitForErrorCountAsync("Waiting for a .NET process to connect", lifetime + 1, TimeSpan.FromSeconds(30));
            await using var target = await TargetProcess.StartAsync(environment: environment);
            pids.Add(target.Pid);
            // Requests until the monitor has counted some of this lifetime's (the session starts once the runtime connects).
            for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline && await CountedAsync(listen, target.Pid) == 0;)
            {
                for (var i = 0; i < 10; i++)
                {
                    using var response = await target.Client.GetAsync("/work?ms=2");
                }

                await Task.Delay(1_000);
            }

            await target.PostAsync("/exit");
            await target.WaitForExitAsync(TimeSpan.FromSeconds(15));
        }

        await monitor.WaitForErrorCountAsync("Waiting for a .NET process to connect", 3, TimeSpan.FromSeconds(30));
        var counts = pids.Select(pid => CountedAsync(listen, pid).GetAwaiter().GetResult()).ToArray();
        var exit = await monitor.TerminateAsync();
        output.WriteLine(monitor.Error);

        Assert.NotEqual(pids[0], pids[1]);
        Assert.All(counts, count => Assert.True(count > 0, $"requests counted per lifetime: {string.Join(", ", counts)}"));
        Assert.Equal(0, exit);
        Assert.Equal(2, Regex.Matches(monitor.Error, "went away").Count);
    }

    /// <summary>Requests the monitor counted for <paramref name="pid"/>, read from its /metrics.</summary>
    private static async Task<double> CountedAsync(string listen, int pid)
    {
        using var client = new HttpClient();
        var text = await client.GetStringAsync($"http://{listen}/metrics");
        return CountLine().Matches(text)
            .Where(m => m.Groups["pid"].Value == pid.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Sum(m => double.Parse(m.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^tailguard_http_server_request_duration_seconds_count\{[^}]*process_pid=""(?<pid>\d+)""[^}]*\} (?<count>[\d.e+]+)", RegexOptions.Multiline)]
    private static partial Regex CountLine();
}
