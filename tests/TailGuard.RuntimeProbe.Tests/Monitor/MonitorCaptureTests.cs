using System.Globalization;
using System.Text.Json;
using TailGuard.RuntimeProbe.Tests.Integration;
using Xunit.Abstractions;

namespace TailGuard.RuntimeProbe.Tests.Monitor;

/// <summary>
/// <c>monitor --trigger starvation --out-dir</c> on a real target starved once: exactly one capture, whose report and trace
/// are readable, and whose trace <c>analyze</c> reads into the same starvation episode.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class MonitorCaptureTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tailguard-captures-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_starvation_trigger_captures_its_window_once_and_analyze_reads_the_same_episode()
    {
        await using var target = await TargetProcess.StartAsync();
        await using var monitor = MonitorProcess.Start(
            "-p", target.Pid.ToString(CultureInfo.InvariantCulture), "--trigger", "starvation", "--out-dir", _folder, "--window", "6s");
        await monitor.WaitForErrorAsync("Monitoring ", TimeSpan.FromSeconds(30));
        var load = new LoadDriver(target.Client, "/work?ms=2", loops: 2, pauseMs: 20);
        load.Start();
        await Task.Delay(2_000);

        await target.PostAsync("/adversity/starve?items=16&sleepMs=1500");
        for (var deadline = DateTime.UtcNow.AddSeconds(40); DateTime.UtcNow < deadline && Captures().Length == 0;)
        {
            await Task.Delay(500);
        }

        // Another whole window: the episode (or its continuation in the next window) must not fire the trigger again.
        await Task.Delay(8_000);
        await load.StopAsync();
        var exit = await monitor.TerminateAsync();
        output.WriteLine(monitor.Error);

        Assert.Equal(0, exit);
        var capture = Assert.Single(Captures());
        Assert.Single(monitor.Error.Split('\n'), l => l.Contains("captured the window's report and trace", StringComparison.Ordinal));
        Assert.Equal(["report.html", "report.json", "trace.nettrace", "trigger.txt"], Directory.GetFiles(capture).Select(Path.GetFileName).Order());
        Assert.Contains("<html", await File.ReadAllTextAsync(Path.Combine(capture, "report.html")), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Directory.GetFiles(_folder, ".window-*"));

        var captured = Episodes(await File.ReadAllTextAsync(Path.Combine(capture, "report.json")));
        var analyzed = await ToolRun.RunAsync("analyze", Path.Combine(capture, "trace.nettrace"), "-f", "json");
        Assert.True(analyzed.ExitCode is 0 or 3, analyzed.ToString());
        var fromTrace = Episodes(analyzed.Out);
        output.WriteLine($"captured episodes {string.Join(", ", captured)}; analyze {string.Join(", ", fromTrace)}");
        Assert.NotEmpty(captured);
        Assert.Equal(captured.Count, fromTrace.Count);
        foreach (var (live, file) in captured.Zip(fromTrace))
        {
            Assert.Equal(live.Start, file.Start, 1.0);
            Assert.Equal(live.End, file.End, 1.0);
        }
    }

    private string[] Captures() => Directory.GetDirectories(_folder, "capture-*");

    private static List<(double Start, double End)> Episodes(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("threadPool").GetProperty("starvationEpisodes").EnumerateArray()
            .Select(e => (e.GetProperty("startMs").GetDouble(), e.GetProperty("endMs").GetDouble()))
            .ToList();
    }
}
