using Microsoft.Diagnostics.NETCore.Client;
using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;
using Xunit.Abstractions;

namespace TailGuard.RuntimeProbe.Tests.Integration;

/// <summary>
/// Who held the pool, on a real process: work items that sleep, read a socket synchronously, or spin the CPU starve the pool
/// of a 2-core target, and the sampled pool-thread time names each one's method, line, state and blocking API first.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class PoolHoldersIntegrationTests(ITestOutputHelper output)
{
    private const string Source = "PoolHolderAdversities.cs";

    [Fact]
    public async Task The_first_pool_holder_of_each_starvation_is_the_method_line_state_and_call_that_held_the_threads()
    {
        await using var target = await TargetProcess.StartAsync();

        await Phase(target, "sleep", 12, "PoolHolderWork.Sleep", PoolHoldersReport.Blocked, "Thread.Sleep", "TG1002");
        await Phase(target, "socket", 12, "PoolHolderWork.ReadSocket", PoolHoldersReport.Blocked, "Socket.Receive", "TG1003");
        await Phase(target, "spin", 8, "PoolHolderWork.Spin", PoolHoldersReport.Running, null, null);
        await SavedTrace(target);
    }

    /// <summary>
    /// A trace saved with the probe's providers and the sampler's in one session (as <c>dotnet-trace collect</c> records it,
    /// with stacks and rundown): <c>analyze</c> finds the same first holder and line.
    /// </summary>
    private async Task SavedTrace(TargetProcess target)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tailguard-holders-{Guid.NewGuid():N}.nettrace");
        try
        {
            var providers = ProbeProviders.Create(blockingSites: true)
                .Select(p => p.Name == ProbeProviders.Runtime
                    ? new EventPipeProvider(p.Name, p.EventLevel, p.Keywords | SampleProfilerSession.JittedMethodILToNativeMap, p.Arguments)
                    : p)
                .Append(SampleProfilerSession.Providers[0])
                .ToList();
            var client = new DiagnosticsClient(target.Pid);
            using (var session = client.StartEventPipeSession(providers, requestRundown: true))
            {
                var copy = Task.Run(async () =>
                {
                    await using var file = File.Create(path);
                    await session.EventStream.CopyToAsync(file);
                });
                await Task.Delay(500);
                await target.PostAsync("/holders/sleep?items=12&ms=1500");
                await Task.Delay(4000);
                await session.StopAsync(CancellationToken.None);
                await copy;
            }

            using var source = new NettraceFileSource(path);
            var report = await new ProbeRun(source).RunAsync(null, [], CancellationToken.None);
            output.WriteLine(string.Join('\n', report.PoolHolders.Select(h => $"{h.Method} {h.File}:{h.Line} {h.State} {h.Call} {h.ThreadMs} ms")));

            Assert.NotEmpty(report.ThreadPool.StarvationEpisodes);
            var first = report.PoolHolders[0];
            Assert.Equal(("PoolHolderWork.Sleep", "Thread.Sleep", MarkedLine("holder:sleep")), (first.Method, first.Call, first.Line));
            Assert.True(first.ShareOfStarvedPoolTime >= 0.5, $"{first.ShareOfStarvedPoolTime:P0} of the starved pool time");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task Phase(TargetProcess target, string kind, int items, string method, string state, string? call, string? rule)
    {
        const int ItemMs = 1500;
        var adversity = $"/holders/{kind}?items={items}&ms={ItemMs}";
        var marker = "holder:" + kind;
        using var source = EventPipeLiveSource.Connect(target.Pid);
        source.PoolHolders = true;
        var session = await LiveSession.StartAsync(source);
        await target.PostAsync(adversity);
        await Task.Delay(4000);
        var report = await session.StopAsync();
        output.WriteLine(adversity);
        output.WriteLine(ReportJson.Serialize(report with { Timeline = report.Timeline with { Points = [] } }));

        Assert.NotEmpty(report.ThreadPool.StarvationEpisodes);
        var first = report.PoolHolders[0];
        Assert.Equal(method, first.Method);
        Assert.Equal(state, first.State);
        Assert.Equal(call, first.Call);
        Assert.Equal(rule, first.Rule);
        Assert.EndsWith(Source, first.File, StringComparison.Ordinal);
        Assert.Equal(MarkedLine(marker), first.Line);
        Assert.True(first.ShareOfStarvedPoolTime >= 0.5, $"{method} held {first.ShareOfStarvedPoolTime:P0} of the starved pool time");
        // The target's own truth: each item holds its thread for ItemMs of wall time (all of them run within the session, but
        // a slow pool may start the last ones late).
        Assert.InRange(first.ThreadMs, 0.4 * items * ItemMs, 1.2 * items * ItemMs);

        // Each work item held its thread for the whole 1.5 s without returning to the pool: a monopolizing run at the same line.
        var monopolizing = Assert.Single(report.MonopolizingWorkItems, m => m.Method == method);
        Assert.Equal(first.Line, monopolizing.Line);
        Assert.True(monopolizing.Count >= 2 && monopolizing.MaxMs >= 1000, $"{monopolizing.Count} runs, longest {monopolizing.MaxMs} ms");

        // The holders lead every text report when the pool starved.
        var console = new StringWriter();
        new ConsoleReportRenderer { Width = 200 }.Render(report, console);
        var text = console.ToString();
        Assert.True(text.IndexOf(method, StringComparison.Ordinal) < text.IndexOf("Requests (", StringComparison.Ordinal), text);
        Assert.Contains($"{Source}:{first.Line}", text, StringComparison.Ordinal);
    }

    private static int MarkedLine(string marker)
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "tests", "TailGuard.TargetApp", Source));
        return Array.FindIndex(lines, l => l.Contains("// " + marker, StringComparison.Ordinal)) + 1;
    }
}
