using System.Diagnostics;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;
using Xunit.Abstractions;

namespace TailGuard.RuntimeProbe.Tests.Integration;

[Collection(LiveCollection.Name)]
public sealed class AttachIntegrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Gc_pauses_match_the_targets_own_measure_and_explain_the_tail()
    {
        await using var target = await TargetProcess.StartAsync(heapMb: 200);
        var before = await target.StatsAsync();
        using var source = EventPipeLiveSource.Connect(target.Pid);
        var session = await LiveSession.StartAsync(source);
        target.ResetCount();

        // Closed loops with one request always in flight each: every pause stalls a known number of requests.
        var driver = new LoadDriver(target.Client, "/work?ms=5", loops: 16, pauseMs: 0);
        driver.Start();
        await Task.Delay(300);
        await target.PostAsync("/adversity/gc?count=4&gapMs=250");
        await WaitUntilAsync(async () => (await target.StatsAsync()).Gen2 >= before.Gen2 + 4, TimeSpan.FromSeconds(30));
        await Task.Delay(300);
        await driver.StopAsync();
        var after = await target.StatsAsync();
        var sent = target.RequestsCompleted;

        var report = await session.StopAsync();
        Log(report);

        var measured = after.TotalPauseMs - before.TotalPauseMs;
        Assert.InRange(report.Gc.TotalPauseMs, measured * 0.9, measured * 1.1);
        Assert.True(report.Gc.ByGeneration.Single(g => g.Generation == 2).PauseCount >= 4);
        Assert.Equal(sent, report.Requests.Count);
        Assert.Equal(driver.Completed, report.Requests.Endpoints.Single(e => e.Name == "GET /work").Count);
        AssertDominantCause(report, Causes.GcPause);
        Assert.Equal(Causes.GcPause, report.SlowestRequests[0].PrimaryCause);
        Assert.Equal(0, report.Session.EventsLost);
    }

    [Fact]
    public async Task Starvation_is_detected_in_the_starvation_phase_and_explains_the_tail()
    {
        await using var target = await TargetProcess.StartAsync();
        using var source = EventPipeLiveSource.Connect(target.Pid);
        var session = await LiveSession.StartAsync(source);
        target.ResetCount();

        // Only requests already inside the application when the pool starves show it in their own timing (the others wait
        // in Kestrel, unseen), so many loops keep many requests in flight.
        var driver = new LoadDriver(target.Client, "/work?ms=20", loops: 48, pauseMs: 0);
        driver.Start();
        await Task.Delay(1000);
        var starvedAtMs = session.ElapsedMs;
        await target.PostAsync("/adversity/starve?items=32&sleepMs=800");
        await Task.Delay(3000);
        await driver.StopAsync();
        var sent = target.RequestsCompleted;

        var report = await session.StopAsync();
        Log(report);

        var episodes = report.ThreadPool.StarvationEpisodes;
        Assert.Contains(episodes, e => e.StartMs <= starvedAtMs + 3000 && e.EndMs >= starvedAtMs && e.ThreadsInjected >= 1);
        Assert.DoesNotContain(episodes, e => e.EndMs < starvedAtMs - 1000);
        Assert.True(report.ThreadPool.MaxQueueLength > 0, "the pool queue counter saw the burst");
        Assert.True(report.ThreadPool.MaxThreadCount > Environment.ProcessorCount);
        Assert.Equal(sent, report.Requests.Count);
        AssertDominantCause(report, Causes.ThreadPoolStarvation);
        Assert.Equal(Causes.ThreadPoolStarvation, report.SlowestRequests[0].PrimaryCause);
        Assert.Contains(report.Recommendations, r => r.Rules.Contains("TG1001"));
    }

    [Fact]
    public async Task A_saved_trace_gives_the_same_report_through_analyze()
    {
        await using var target = await TargetProcess.StartAsync();
        var trace = Path.Combine(Path.GetTempPath(), $"tailguard-{Guid.NewGuid():N}.nettrace");
        try
        {
            using var source = EventPipeLiveSource.Connect(target.Pid, trace);
            var session = await LiveSession.StartAsync(source);
            var driver = new LoadDriver(target.Client, "/ok", loops: 2, pauseMs: 1);
            driver.Start();
            await target.PostAsync("/adversity/gc?count=2&gapMs=50");
            await target.PostAsync("/adversity/starve?items=8&sleepMs=400");
            await Task.Delay(1500);
            await driver.StopAsync();
            var live = await session.StopAsync();

            using var file = new NettraceFileSource(trace);
            var analyzed = await new ProbeRun(file).RunAsync(null, [], CancellationToken.None);

            Assert.Equal(live.Requests.Count, analyzed.Requests.Count);
            Assert.Equal(live.Gc.PauseCount, analyzed.Gc.PauseCount);
            Assert.Equal(live.Gc.TotalPauseMs, analyzed.Gc.TotalPauseMs, 1);
            Assert.Equal(live.Requests.LatencyMs, analyzed.Requests.LatencyMs);
            Assert.Equal(live.Requests.TotalLatencyMs, analyzed.Requests.TotalLatencyMs);
            Assert.Equal(live.ThreadPool.SchedulingDelayMs, analyzed.ThreadPool.SchedulingDelayMs);
            Assert.Equal(live.ThreadPool.StarvationEpisodes.Count, analyzed.ThreadPool.StarvationEpisodes.Count);
            // The tail and its attribution, primary shares and time shares included (they once differed between the two).
            foreach (var (l, a) in live.Tail.Zip(analyzed.Tail))
            {
                Assert.Equal(l.ThresholdMs, a.ThresholdMs);
                Assert.Equal(l.Share, a.Share);
                Assert.Equal(l.PrimaryShare, a.PrimaryShare);
                Assert.Equal(l.TimeShare, a.TimeShare);
            }

            Assert.Equal(live.Session.DurationMs, analyzed.Session.DurationMs, 0);
            Assert.Equal(target.Pid, analyzed.Target.Pid);
            Assert.Equal("TailGuard.TargetApp", analyzed.Target.ProcessName);
        }
        finally
        {
            File.Delete(trace);
        }
    }

    /// <summary>
    /// The P99 tail is attributed to <paramref name="cause"/>: counting each tail request once under the cause it overlapped
    /// longest, that cause has at least half of them and no other cause has more. (The machine is shared, so a few tail
    /// requests can be slow for other reasons.)
    /// </summary>
    private static void AssertDominantCause(Report report, string cause)
    {
        var share = report.Tail[0].PrimaryShare;
        var shares = new Dictionary<string, double>
        {
            [Causes.GcPause] = share.GcPause,
            [Causes.ThreadPoolStarvation] = share.ThreadPoolStarvation,
            [Causes.LockContention] = share.LockContention,
            [Causes.Unexplained] = share.Unexplained,
        };
        var text = string.Join(", ", shares.Select(s => $"{s.Key} {s.Value}"));
        Assert.True(shares[cause] >= 0.5, $"P99 shares: {text}");
        Assert.True(shares.Where(s => s.Key != cause).All(s => s.Value <= shares[cause]), $"P99 shares: {text}");
    }

    private void Log(Report report) => output.WriteLine(ReportJson.Serialize(report with { Timeline = report.Timeline with { Points = [] } }));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < timeout, "timed out waiting for the target");
            await Task.Delay(100);
        }
    }
}

/// <summary>A probe session running in the test process, started and stopped the way the tool does it.</summary>
internal sealed class LiveSession
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Task<Report> _running = null!;

    public ProbeRun Run { get; private init; } = null!;

    public double ElapsedMs => _clock.Elapsed.TotalMilliseconds;

    public static async Task<LiveSession> StartAsync(IProbeEventSource source)
    {
        var session = new LiveSession { Run = new ProbeRun(source) };
        session._running = session.Run.RunAsync(null, [], session._stop.Token);
        // The runtime's counters arrive every second: the first event proves the session is live.
        var clock = Stopwatch.StartNew();
        while (session.Run.Correlator.EventsProcessed == 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the session delivered no event");
            Assert.False(session._running.IsCompleted, "the session ended early");
            await Task.Delay(50);
        }

        return session;
    }

    public async Task<Report> StopAsync()
    {
        await Task.Delay(300);
        await _stop.CancelAsync();
        var report = await _running;
        _stop.Dispose();
        return report;
    }
}
