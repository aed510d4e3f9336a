using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.Samples.LoadDriver;
using Xunit.Abstractions;

namespace TailGuard.Samples.Tests;

/// <summary>
/// The README's first command in its short form (<c>--quick</c>: a few seconds per phase), run as a real process against the
/// real service and the real dotnet-tailguard: the CI smoke test of the demo. It loads both cores for half a minute, so it runs
/// alone, after the other tests, whose timings it would otherwise disturb.
/// </summary>
[Collection(DemoSmokeCollection.Name)]
public sealed partial class DemoSmokeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task The_quick_demo_exits_0_prints_the_verdict_and_writes_a_well_formed_HTML_report()
    {
        var outputDirectory = Directory.CreateTempSubdirectory("tailguard-demo-").FullName;
        try
        {
            var (exitCode, stdout, stderr) = await RunDemoAsync(["--quick", "--output-dir", outputDirectory]);
            output.WriteLine(stdout);
            output.WriteLine(stderr);

            Assert.True(exitCode == 0, $"exit code {exitCode}: {stderr}");
            Assert.Matches(@"P99 under adversarial load: [\d.]+ ms -> [\d.]+ ms after the TG1001/TG1003/TG2001/TG3001/TG3002/TG4001 fixes", stdout);
            Assert.Contains("Probe, adversarial phase: the slowest 1% inside the service", stdout);
            Assert.Contains("study: Tokio", stdout);
            Assert.Matches(@"(?m)^(Verdict: proven this run\.|No verdict: the machine was too noisy this run \(load average|No verdict: the adversarial phase did not degrade this run)", stdout);
            var htmlPath = Path.Combine(outputDirectory, "tailguard-report.html");
            Assert.Contains(htmlPath, stdout);
            var html = await File.ReadAllTextAsync(htmlPath);
            AssertWellFormedHtml(html);
            Assert.Contains("client and probe side by side:", stdout);
            Assert.Matches(@"(?m)^\s+probe total(: n/a, this build of the probe does not measure| within 25% \(\+1 ms\) of the client: P50)", stdout);
            Assert.Contains("CPU in cores (of ", stdout);
            foreach (var phase in new[] { "baseline", "adversarial", "fixed" })
            {
                Assert.Contains($">{phase}</text></g>", html);
                Assert.True(File.Exists(Path.Combine(outputDirectory, $"{phase}.cost.json")), $"no {phase}.cost.json");
                var report = ReportJson.Deserialize(await File.ReadAllTextAsync(Path.Combine(outputDirectory, $"{phase}.tailguard.json")));
                Assert.True(report.Requests.Count > 0, $"the probe saw no request in the {phase} phase");
                using var load = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outputDirectory, $"{phase}.load.json")));
                Assert.True(load.RootElement.GetProperty("latencyMs").GetProperty("p95").GetDouble() > 0, $"no client P95 in {phase}.load.json");
            }
        }
        finally
        {
            Directory.Delete(outputDirectory, recursive: true);
        }
    }

    private static void AssertWellFormedHtml(string html)
    {
        Assert.StartsWith("<!doctype html>", html.TrimStart(), StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("</html>", html.TrimEnd(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        // Self-contained: nothing loaded from the network (links to the rules' pages are fine, they are only links).
        Assert.DoesNotMatch(@"src\s*=\s*""https?:|<link[^>]+href\s*=\s*""https?:|url\(\s*['""]?https?:|@import", html);
        foreach (var element in new[] { "html", "head", "body", "style", "svg", "table", "section" })
        {
            var opened = Regex.Count(html, $@"<{element}[\s>]");
            Assert.True(opened == Regex.Count(html, $"</{element}>"), $"<{element}> opened {opened} times, closed {Regex.Count(html, $"</{element}>")} times");
        }

        Assert.True(Regex.Count(html, "<svg[\\s>]") >= 2, "the timeline and the percentile chart are SVG drawings");
        Assert.Contains("/bad/loh-allocation", html);
        Assert.Contains("/fixed/loh-allocation", html);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunDemoAsync(string[] arguments)
    {
        var demo = Path.Combine(Repository.Root, "samples", "Demo", "bin", Repository.Configuration, "net10.0", "TailGuard.Demo.dll");
        Assert.True(File.Exists(demo), $"{demo} is not built");
        var startInfo = new ProcessStartInfo(ServiceProcess.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        startInfo.ArgumentList.Add(demo);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, line) => Append(stdout, line.Data);
        process.ErrorDataReceived += (_, line) => Append(stderr, line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM first: the demo's own cleanup then stops the service and the probe it started.
            Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
            if (!process.WaitForExit(10_000))
            {
                process.Kill(entireProcessTree: true);
            }

            Assert.Fail($"The demo did not finish within {Timeout.TotalSeconds:0} s:{Environment.NewLine}{stdout}");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(line);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DemoSmokeCollection
{
    public const string Name = "demo smoke test (runs alone)";
}
