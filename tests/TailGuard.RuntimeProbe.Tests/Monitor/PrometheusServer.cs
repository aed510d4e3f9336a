using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace TailGuard.RuntimeProbe.Tests.Monitor;

/// <summary>
/// A real Prometheus server (Debian's package) bound to 127.0.0.1 on a free port, with a temporary configuration and data
/// folder, scraping the given targets every second; deleted when disposed. Queried through its HTTP API.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;
    private readonly HttpClient _client;

    private PrometheusServer(Process process, string folder, Uri address)
    {
        _process = process;
        _folder = folder;
        _client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The prometheus binary on this machine, or null when it is not installed.</summary>
    public static string? Binary { get; } = Find();

    public static async Task<PrometheusServer> StartAsync(string scrapeTarget)
    {
        var binary = Binary ?? throw new InvalidOperationException("prometheus is not installed (apt-get install -y prometheus).");
        var folder = Directory.CreateTempSubdirectory("tailguard-prometheus-").FullName;
        var config = Path.Combine(folder, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: tailguard-monitor
                scrape_interval: 1s
                scrape_timeout: 900ms
                static_configs:
                  - targets: ['{scrapeTarget}']
            """);
        var port = FreePort();
        var info = new ProcessStartInfo(binary,
            [
                $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder, "data")}",
                $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
            ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("Cannot start prometheus.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, folder, new Uri($"http://127.0.0.1:{port}/"));
        await server.WaitReadyAsync();
        return server;
    }

    /// <summary>The value of an instant query returning one sample (0 when it returns none).</summary>
    public async Task<double> QueryAsync(string promQl)
    {
        var json = await _client.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString(promQl));
        using var document = JsonDocument.Parse(json);
        var result = document.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0
            ? 0
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until the query returns the same value twice, two scrapes apart: what was exported has been scraped.</summary>
    public async Task<double> SettledAsync(string promQl, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = await QueryAsync(promQl);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(2_500);
            var now = await QueryAsync(promQl);
            if (now == last)
            {
                return now;
            }

            last = now;
        }

        return last;
    }

    private async Task WaitReadyAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited at start-up with code {_process.ExitCode}.");
            }

            try
            {
                using var response = await _client.GetAsync("-/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("prometheus was not ready within 20 s.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "prometheus"))
        .FirstOrDefault(File.Exists);

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>
/// A test that needs a real Prometheus server: skipped with a clear message when prometheus is not installed, except under
/// CI (CI=true), where .ci/run installs it and a missing server is a failure.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PrometheusFactAttribute : FactAttribute
{
    public PrometheusFactAttribute()
    {
        if (PrometheusServer.Binary is null && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "prometheus is not installed (apt-get install -y prometheus; .ci/run installs it, and under CI=true this test fails without it).";
        }
    }
}
